/**
 * autoscaling/v2 HorizontalPodAutoscaler (the storage version) and autoscaling/v1, the same stored objects
 * read and written through the v1 <-> v2 conversion (conversion.ts). Upstream's
 * pkg/registry/autoscaling/horizontalpodautoscaler strategy and printer; validation runs on the v2 shape.
 */
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerV1, Relaxed } from '../../types/index.js';
import type { StatusCause } from '../../errors.js';
import { defineKind } from '../descriptor.js';
import {
  defaultHorizontalPodAutoscaler,
  prepareHorizontalPodAutoscalerForCreate,
  prepareHorizontalPodAutoscalerForStatusUpdate,
  prepareHorizontalPodAutoscalerForUpdate,
  validateHorizontalPodAutoscaler,
  validateHorizontalPodAutoscalerStatusUpdate,
  validateHorizontalPodAutoscalerUpdate,
} from '../../strategies/autoscaling.js';
import { horizontalPodAutoscalerCells, horizontalPodAutoscalerColumns } from '../../strategies/printers.js';
import { CONDITIONS_ANNOTATION, hpaV1ToV2, hpaV2ToV1, METRIC_STATUSES_ANNOTATION } from './conversion.js';

type HPA = Relaxed<HorizontalPodAutoscaler>;
type HPAV1 = Relaxed<HorizontalPodAutoscalerV1>;

const SHORT_NAMES = ['hpa'];
const CATEGORIES = ['all'];

export const horizontalPodAutoscalers = defineKind<HPA>({
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  namespaced: true,
  shortNames: SHORT_NAMES,
  categories: CATEGORIES,
  subresources: ['status'],
  schema: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  protobufMessage: 'k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler',
  strategy: {
    applyDefaults: defaultHorizontalPodAutoscaler,
    prepareForCreate: prepareHorizontalPodAutoscalerForCreate,
    prepareForUpdate: prepareHorizontalPodAutoscalerForUpdate,
    prepareForStatusUpdate: prepareHorizontalPodAutoscalerForStatusUpdate,
    validate: validateHorizontalPodAutoscaler,
    validateUpdate: validateHorizontalPodAutoscalerUpdate,
    validateStatusUpdate: validateHorizontalPodAutoscalerStatusUpdate,
  },
  table: { columns: horizontalPodAutoscalerColumns, cells: horizontalPodAutoscalerCells },
});

type Obj = Record<string, unknown>;
/** The v2 view of a v1 object, defaulted as upstream's internal object is after decoding. */
function asV2(o: HPAV1): HPA {
  const v2 = hpaV1ToV2(o as Obj) as HPA;
  defaultHorizontalPodAutoscaler(v2);
  return v2;
}
const v2Rule =
  <A extends unknown[]>(f: (hpa: HPA, ...rest: { [K in keyof A]: HPA }) => StatusCause[]) =>
  (o: HPAV1, ...rest: { [K in keyof A]: HPAV1 }): StatusCause[] =>
    f(asV2(o), ...(rest.map(asV2) as { [K in keyof A]: HPA }));

/** The status annotations of the v1 view go with the status: an update of the object keeps the old ones. */
function keepStatusAnnotations(o: HPAV1, old: HPAV1): void {
  const oldA = old.metadata?.annotations ?? {};
  const a: Record<string, string> = { ...(o.metadata?.annotations ?? {}) };
  for (const k of [METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION]) {
    if (k in oldA) a[k] = oldA[k]!;
    else delete a[k];
  }
  (o.metadata ??= {}).annotations = a;
}

export const horizontalPodAutoscalersV1 = defineKind<HPAV1>({
  group: 'autoscaling',
  version: 'v1',
  versionOf: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  namespaced: true,
  shortNames: SHORT_NAMES,
  categories: CATEGORIES,
  subresources: ['status'],
  schema: 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler',
  protobufMessage: 'k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler',
  storageConversion: { fromStorage: hpaV2ToV1, toStorage: hpaV1ToV2 },
  storageResource: 'horizontalpodautoscalers.autoscaling',
  strategy: {
    applyDefaults(o) {
      // SetDefaults_HorizontalPodAutoscaler (v1)
      if (o.spec) o.spec.minReplicas ??= 1;
    },
    prepareForCreate(o) {
      o.status = { currentReplicas: 0, desiredReplicas: 0 };
      const a = { ...(o.metadata?.annotations ?? {}) };
      delete a[METRIC_STATUSES_ANNOTATION];
      delete a[CONDITIONS_ANNOTATION];
      (o.metadata ??= {}).annotations = a;
      o.metadata.generation = 1;
    },
    prepareForUpdate(o, old) {
      prepareHorizontalPodAutoscalerForUpdate(o as HPA, old as HPA);
      keepStatusAnnotations(o, old);
    },
    prepareForStatusUpdate: (o, old) => prepareHorizontalPodAutoscalerForStatusUpdate(o as HPA, old as HPA),
    validate: v2Rule<[]>(validateHorizontalPodAutoscaler),
    validateUpdate: v2Rule<[HPA]>(validateHorizontalPodAutoscalerUpdate),
    validateStatusUpdate: v2Rule<[HPA]>(validateHorizontalPodAutoscalerStatusUpdate),
  },
  table: { columns: horizontalPodAutoscalerColumns, cells: (o, now) => horizontalPodAutoscalerCells(hpaV1ToV2(o as Obj) as HPA, now) },
});
