/** scheduling.k8s.io/v1 PriorityClass, with upstream's field descriptions (k8s.io/api/scheduling/v1/types.go). */
import type { Static } from '@sinclair/typebox';
import { def, S, B, RI32, E } from './base.js';
import { typeMetaProps, objectMetaField } from './meta.js';

export const PriorityClassSchema = def(
  'io.k8s.api.scheduling.v1.PriorityClass',
  'PriorityClass defines mapping from a priority class name to the priority integer value. The value can be any valid integer.',
  {
    ...typeMetaProps,
    metadata: objectMetaField,
    value: RI32('value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
    globalDefault: B('globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.'),
    description: S('description is an arbitrary string that usually provides guidelines on when this priority class should be used.'),
    preemptionPolicy: E('preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.', ['Never', 'PreemptLowerPriority']),
  },
);
export type PriorityClass = Static<typeof PriorityClassSchema>;
