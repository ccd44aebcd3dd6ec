/**
 * The horizontal pod autoscaler controller's adapter (upstream's pkg/controller/podautoscaler HorizontalController):
 * keyed by HPA (ns/name); every HPA is reconciled every --horizontal-pod-autoscaler-sync-period (15 s), and a change
 * of it is picked up at its next period (upstream's queue adds every key with that delay, never sooner). sync reads
 * the HPA and the namespace's pods from the caches, the target's scale (GET .../scale, whatever its kind) and the
 * PodMetrics of the target's selector live, asks decideAutoscaler, writes the new scale (PUT .../scale), records the
 * events and writes the status when it changed. The recommendations and scale events of each HPA live in memory,
 * as upstream's (a restarted manager starts with none).
 */
import { Controller } from '../../../api/client/controller.js';
import type { Informer } from '../../../api/client/informer.js';
import { semanticEqual } from '../../../api/strategies/validation.js';
import { parseLabelSelector, type LabelSelector } from '../../../api/labels.js';
import type { CRD } from '../../../api/apiextensions/crd-validation.js';
import type { Scale } from '../../../api/types/index.js';
import { R, type ControllerContext } from '../util/context.js';
import type { Pod } from '../util/types.js';
import { decideAutoscaler, rescaleFailed, type DecideOptions, type HPA, type HPAMemory, type PodMetricsItem, type ScaleView } from './decide.js';
import { restPodMetrics, type PodMetricsSource } from './metrics-source.js';
import { scaleTargetResource } from './scale-target.js';
import { DEFAULT_CALC_OPTIONS } from './replica-calculator.js';

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const HPA_CONTROLLER = 'horizontal-pod-autoscaler-controller';
/** The events' source component, upstream's. */
const COMPONENT = 'horizontal-pod-autoscaler';

export interface HPAControllerOptions extends Partial<DecideOptions> {
  syncPeriodMs?: number;
  workers?: number;
  /** Where resource metrics come from (default: metrics.k8s.io through the API server). */
  metrics?: PodMetricsSource;
}

export class HorizontalPodAutoscalerController extends Controller {
  private readonly hpaInformer: Informer<HPA>;
  private readonly podInformer: Informer<Pod>;
  private readonly crdInformer: Informer<CRD>;
  private readonly memory = new Map<string, HPAMemory>();
  /** Each HPA's target selector as last read (upstream's hpaSelectors), for the AmbiguousSelector check. */
  private readonly selectors = new Map<string, LabelSelector>();
  private readonly syncPeriodMs: number;
  private readonly options: DecideOptions;
  private readonly metrics: PodMetricsSource;

  constructor(
    private readonly ctx: ControllerContext,
    opts: HPAControllerOptions = {},
  ) {
    super({ name: HPA_CONTROLLER, workers: opts.workers ?? 5, logger: ctx.logger(HPA_CONTROLLER) });
    this.syncPeriodMs = opts.syncPeriodMs ?? 15_000;
    this.options = {
      tolerance: opts.tolerance ?? DEFAULT_CALC_OPTIONS.tolerance,
      cpuInitializationPeriodMs: opts.cpuInitializationPeriodMs ?? DEFAULT_CALC_OPTIONS.cpuInitializationPeriodMs,
      delayOfInitialReadinessStatusMs: opts.delayOfInitialReadinessStatusMs ?? DEFAULT_CALC_OPTIONS.delayOfInitialReadinessStatusMs,
      downscaleStabilizationMs: opts.downscaleStabilizationMs ?? 5 * 60_000,
    };
    this.metrics = opts.metrics ?? restPodMetrics(ctx.client);
    this.hpaInformer = ctx.informers.informerFor<HPA>(R.horizontalPodAutoscalers);
    this.podInformer = ctx.informers.informerFor<Pod>(R.pods);
    this.crdInformer = ctx.informers.informerFor<CRD>(R.customResourceDefinitions);
    this.useInformer(this.hpaInformer);
    this.useInformer(this.podInformer);
    this.useInformer(this.crdInformer);
    // Every key waits a sync period (upstream's FixedIntervalRateLimiter); a deleted HPA's memory goes.
    this.hpaInformer.on('add', (h) => this.enqueueAfter(h, this.syncPeriodMs));
    this.hpaInformer.on('update', (_o, h) => this.enqueueAfter(h, this.syncPeriodMs));
    this.hpaInformer.on('delete', (h) => this.forget(`${h.metadata?.namespace ?? ''}/${h.metadata?.name ?? ''}`));
  }

  protected async sync(key: string): Promise<void> {
    const hpa = this.hpaInformer.store.get(key);
    if (!hpa) {
      this.forget(key);
      return;
    }
    try {
      await this.reconcile(key, hpa);
    } catch (e) {
      this.log.warn('failed to reconcile HPA', { hpa: key, error: errorMessage(e) });
    }
    // upstream re-adds every HPA that still exists after each pass, error or not
    this.enqueueAfter(key, this.syncPeriodMs);
  }

  private forget(key: string): void {
    this.memory.delete(key);
    this.selectors.delete(key);
  }

  /** The target's scale, or why it could not be read (FailedGetScale). */
  private async readScale(hpa: HPA): Promise<{ scale: ScaleView; raw: Scale; put: (s: Scale) => Promise<unknown> } | { error: string }> {
    const ref = hpa.spec?.scaleTargetRef ?? { kind: '', name: '' };
    const target = scaleTargetResource(ref, this.crdInformer.store.list());
    if ('error' in target) return target;
    const ns = hpa.metadata?.namespace ?? '';
    try {
      const raw = await this.ctx.client.getSubresource<Scale>(target, ns, ref.name, 'scale');
      return {
        scale: { specReplicas: raw.spec?.replicas ?? 0, statusReplicas: raw.status?.replicas ?? 0, selector: raw.status?.selector ?? '' },
        raw,
        put: (s) => this.ctx.client.updateSubresource(target, ns, ref.name, 'scale', s),
      };
    } catch (e) {
      return { error: errorMessage(e) };
    }
  }

  private async reconcile(key: string, hpa: HPA): Promise<void> {
    const ns = hpa.metadata?.namespace ?? '';
    const read = await this.readScale(hpa);
    let podMetrics: PodMetricsItem[] | { error: string } = [];
    if (!('error' in read) && read.scale.selector) {
      try {
        podMetrics = await this.metrics.list(ns, read.scale.selector);
      } catch (e) {
        podMetrics = { error: errorMessage(e) };
      }
    }
    if (!('error' in read) && read.scale.selector) {
      try {
        this.selectors.set(key, parseLabelSelector(read.scale.selector));
      } catch {
        this.selectors.delete(key);
      }
    }
    const otherSelectors = [...this.selectors].filter(([k]) => k !== key && k.startsWith(`${ns}/`)).map(([k, selector]) => ({ key: k, selector }));
    let d = decideAutoscaler({
      otherSelectors,
      hpa,
      scale: 'error' in read ? read : read.scale,
      pods: this.podInformer.store.listByNamespace(ns),
      podMetrics,
      memory: this.memory.get(key),
      now: this.ctx.now(),
      options: this.options,
    });
    let memory = d.memory;
    if (d.rescale && !('error' in read)) {
      try {
        await read.put({ ...read.raw, spec: { ...read.raw.spec, replicas: d.rescale.replicas } });
        memory = d.rescale.memory;
      } catch (e) {
        d = rescaleFailed(d, hpa, errorMessage(e), this.ctx.now());
      }
    }
    this.memory.set(key, memory);
    const rec = this.ctx.recorder(COMPONENT);
    for (const ev of d.events) rec.event(hpa, ev.type, ev.reason, ev.message);
    if (!semanticEqual(d.status, hpa.status)) await this.ctx.client.updateStatus(R.horizontalPodAutoscalers, { ...hpa, status: d.status });
    if (d.error) this.log.info('HPA reconcile', { hpa: key, error: d.error });
  }
}
