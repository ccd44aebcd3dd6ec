/** events.k8s.io/v1 Event: the same stored objects as core/v1 Event (/registry/events), converted on the way in and out. */
import type { EventsV1Event, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { validateEventsV1, validateEventsV1Update } from '../../strategies/core.js';
import { eventCells, eventColumns } from '../../strategies/printers.js';
import { EVENT_FIELD_SELECTORS } from '../core/event.js';
import { coreEventToV1, v1EventToCore } from './conversion.js';

export const eventsV1Events = defineKind<Relaxed<EventsV1Event>>({
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
  shortNames: ['ev'],
  schema: 'io.k8s.api.events.v1.Event',
  protobufMessage: 'k8s.io.api.events.v1.Event',
  allowCreateOnUpdate: true,
  storageConversion: { fromStorage: coreEventToV1, toStorage: v1EventToCore },
  // Stored with the core Events: encryption configuration names them `events`.
  storageResource: 'events',
  strategy: { validate: validateEventsV1, validateUpdate: validateEventsV1Update },
  fieldSelectors: EVENT_FIELD_SELECTORS,
  table: { columns: eventColumns, cells: eventCells },
});
