/** The horizontal pod autoscaler controller's row in the controller manager's table (upstream 1.32 names, flags, defaults). */
import { num, str } from '../../../api/cli/flags.js';
import type { ControllerDescriptor } from '../descriptor.js';
import { HPA_CONTROLLER, HorizontalPodAutoscalerController } from './controller.js';

interface HPAOptions {
  horizontalPodAutoscalerSyncPeriodMs: number;
  horizontalPodAutoscalerDownscaleStabilizationMs: number;
  horizontalPodAutoscalerTolerance: number;
  horizontalPodAutoscalerCpuInitializationPeriodMs: number;
  horizontalPodAutoscalerInitialReadinessDelayMs: number;
  concurrentHorizontalPodAutoscalerSyncs: number;
}

export const horizontalPodAutoscalerDescriptor: ControllerDescriptor<HPAOptions> = {
  name: HPA_CONTROLLER,
  aliases: ['horizontalpodautoscaling'],
  flags: [
    { name: 'horizontal-pod-autoscaler-sync-period', type: 'duration', default: '15s', help: 'The period for syncing the number of pods in horizontal pod autoscaler.' },
    {
      name: 'horizontal-pod-autoscaler-downscale-stabilization',
      type: 'duration',
      default: '5m0s',
      help: 'The period for which autoscaler will look backwards and not scale down below any recommendation it made during that period.',
    },
    {
      name: 'horizontal-pod-autoscaler-tolerance',
      type: 'string',
      default: '0.1',
      help: 'The minimum change (from 1.0) in the desired-to-actual metrics ratio for the horizontal pod autoscaler to consider scaling.',
    },
    { name: 'horizontal-pod-autoscaler-cpu-initialization-period', type: 'duration', default: '5m0s', help: 'The period after pod start when CPU samples might be skipped.' },
    {
      name: 'horizontal-pod-autoscaler-initial-readiness-delay',
      type: 'duration',
      default: '30s',
      help: 'The period after pod start during which readiness changes will be treated as initial readiness.',
    },
    {
      name: 'concurrent-horizontal-pod-autoscaler-syncs',
      type: 'int',
      default: 5,
      help: 'The number of horizontal pod autoscaler objects that are allowed to sync concurrently. Larger number = more responsive horizontal pod autoscaler objects processing, but more CPU (and network) load.',
    },
  ],
  options: (v) => ({
    horizontalPodAutoscalerSyncPeriodMs: num(v, 'horizontal-pod-autoscaler-sync-period'),
    horizontalPodAutoscalerDownscaleStabilizationMs: num(v, 'horizontal-pod-autoscaler-downscale-stabilization'),
    horizontalPodAutoscalerTolerance: Number(str(v, 'horizontal-pod-autoscaler-tolerance')),
    horizontalPodAutoscalerCpuInitializationPeriodMs: num(v, 'horizontal-pod-autoscaler-cpu-initialization-period'),
    horizontalPodAutoscalerInitialReadinessDelayMs: num(v, 'horizontal-pod-autoscaler-initial-readiness-delay'),
    concurrentHorizontalPodAutoscalerSyncs: num(v, 'concurrent-horizontal-pod-autoscaler-syncs'),
  }),
  build: (ctx, o) =>
    new HorizontalPodAutoscalerController(ctx, {
      syncPeriodMs: o.horizontalPodAutoscalerSyncPeriodMs,
      downscaleStabilizationMs: o.horizontalPodAutoscalerDownscaleStabilizationMs,
      tolerance: Number.isFinite(o.horizontalPodAutoscalerTolerance) ? o.horizontalPodAutoscalerTolerance : 0.1,
      cpuInitializationPeriodMs: o.horizontalPodAutoscalerCpuInitializationPeriodMs,
      delayOfInitialReadinessStatusMs: o.horizontalPodAutoscalerInitialReadinessDelayMs,
      workers: o.concurrentHorizontalPodAutoscalerSyncs,
    }),
};
