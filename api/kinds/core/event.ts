/** core/v1 Event, and the field selectors both Event APIs share (upstream's event GetAttrs). */
import type { Event, Relaxed } from '../../types/index.js';
import { defineKind } from '../descriptor.js';
import { validateCoreEvent, validateCoreEventUpdate } from '../../strategies/core.js';
import { eventCells, eventColumns, eventView } from '../../strategies/printers.js';

type EventOfEitherApi = Parameters<typeof eventView>[0];

/** The selectable fields of an event, read through the core/v1 names whichever API it came from. */
export const EVENT_FIELD_SELECTORS: Record<string, (e: EventOfEitherApi) => string> = {
  'involvedObject.kind': (e) => eventView(e).involvedObject?.kind ?? '',
  'involvedObject.namespace': (e) => eventView(e).involvedObject?.namespace ?? '',
  'involvedObject.name': (e) => eventView(e).involvedObject?.name ?? '',
  'involvedObject.uid': (e) => eventView(e).involvedObject?.uid ?? '',
  'involvedObject.apiVersion': (e) => eventView(e).involvedObject?.apiVersion ?? '',
  'involvedObject.resourceVersion': (e) => eventView(e).involvedObject?.resourceVersion ?? '',
  'involvedObject.fieldPath': (e) => eventView(e).involvedObject?.fieldPath ?? '',
  reason: (e) => eventView(e).reason,
  reportingComponent: (e) => eventView(e).reportingController,
  source: (e) => eventView(e).source?.component ?? '',
  type: (e) => eventView(e).type,
};

export const coreEvents = defineKind<Relaxed<Event>>({
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
  shortNames: ['ev'],
  schema: 'io.k8s.api.core.v1.Event',
  protobufMessage: 'k8s.io.api.core.v1.Event',
  allowCreateOnUpdate: true,
  strategy: { validate: validateCoreEvent, validateUpdate: validateCoreEventUpdate },
  fieldSelectors: EVENT_FIELD_SELECTORS,
  table: { columns: eventColumns, cells: eventCells },
});
