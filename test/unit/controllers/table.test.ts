/**
 * The controller table: a controller is one descriptor and one row. A throwaway controller added
 * to the table is listed, switched on and off by --controllers (also by its alias), has its flag
 * parsed and shown in --help, and is built; a table whose rows clash is refused.
 */
import { describe, expect, it } from 'vitest';
import { num } from '../../../api/cli/flags.js';
import { Controller } from '../../../api/client/controller.js';
import { InProcessApi } from '../../support/in-process-api.js';
import { InformerFactory } from '../../../api/client/informer.js';
import { silentLogger } from '../../../api/client/log.js';
import type { ControllerDescriptor } from '../../../control-plane/controllers/descriptor.js';
import { ALL_CONTROLLERS, controllerManagerFlags, controllerNames, enabledControllers, parseFlags, usage } from '../../../control-plane/controllers/flags.js';
import { buildControllers } from '../../../control-plane/controllers/main.js';
import { CONTROLLERS } from '../../../control-plane/controllers/table.js';
import { newControllerContext, type ControllerContext } from '../../../control-plane/controllers/util/context.js';

class ThrowawayController extends Controller {
  constructor(
    readonly ctx: ControllerContext,
    workers: number,
  ) {
    super({ name: 'throwaway-controller', workers, logger: silentLogger });
  }
  protected async sync(): Promise<void> {}
}

const throwaway: ControllerDescriptor<{ concurrentThrowawaySyncs: number }> = {
  name: 'throwaway-controller',
  aliases: ['throwaway'],
  flags: [{ name: 'concurrent-throwaway-syncs', type: 'int', default: 2, help: 'Throwaways synced at once.' }],
  options: (v) => ({ concurrentThrowawaySyncs: num(v, 'concurrent-throwaway-syncs') }),
  build: (ctx, o) => new ThrowawayController(ctx, o.concurrentThrowawaySyncs),
};

const TABLE = [...CONTROLLERS, throwaway] as const;

function context(): ControllerContext {
  const client = new InProcessApi();
  return newControllerContext(client, new InformerFactory(client, { logger: silentLogger }), { logger: () => silentLogger });
}

describe('the controller table', () => {
  it('lists the manager’s controllers in the table’s order', () => {
    expect(ALL_CONTROLLERS).toEqual(CONTROLLERS.map((d) => d.name));
    expect(ALL_CONTROLLERS).toHaveLength(29);
  });

  it('a throwaway descriptor is listed, in --controllers’ help too, with its flag', () => {
    expect(controllerNames(TABLE)).toEqual([...ALL_CONTROLLERS, 'throwaway-controller']);
    const help = usage(TABLE);
    expect(help).toMatch(/All controllers: .*serviceaccount-controller, serviceaccount-token-controller, root-ca-certificate-publisher-controller, resourcequota-controller, disruption-controller, .*ttl-after-finished-controller, clusterrole-aggregation-controller, horizontal-pod-autoscaler-controller, persistentvolume-binder-controller, persistentvolumeclaim-protection-controller, persistentvolume-protection-controller, certificatesigningrequest-signing-controller, certificatesigningrequest-approving-controller, certificatesigningrequest-cleaner-controller, statefulset-controller, throwaway-controller\./);
    expect(help).toMatch(/--concurrent-throwaway-syncs int +Throwaways synced at once\. \(default 2\)/);
    // The manager's own table does not know it.
    expect(usage()).not.toContain('throwaway');
    expect(() => enabledControllers(['throwaway'])).toThrow('"throwaway" is not in the list of known controllers');
    expect(() => parseFlags(['--concurrent-throwaway-syncs=3'])).toThrow('unknown flag: --concurrent-throwaway-syncs');
  });

  it('--controllers switches it on and off, by name or alias', () => {
    expect(enabledControllers(['*'], TABLE).has('throwaway-controller')).toBe(true);
    expect(enabledControllers(['*', '-throwaway'], TABLE).has('throwaway-controller')).toBe(false);
    expect(enabledControllers(['*', '-throwaway-controller'], TABLE).has('throwaway-controller')).toBe(false);
    expect([...enabledControllers(['throwaway'], TABLE)]).toEqual(['throwaway-controller']);
    expect(enabledControllers(['*', '-throwaway'], TABLE).size).toBe(ALL_CONTROLLERS.length);
  });

  it('parses its flag (default and given) beside the manager’s own options', () => {
    expect(parseFlags([], TABLE).concurrentThrowawaySyncs).toBe(2);
    const o = parseFlags(['--concurrent-throwaway-syncs', '7', '--leader-elect=false'], TABLE);
    expect(o.concurrentThrowawaySyncs).toBe(7);
    expect(o.leaderElect).toBe(false);
    expect(o.concurrentDeploymentSyncs).toBe(5);
    expect(() => parseFlags(['--concurrent-throwaway-syncs=many'], TABLE)).toThrow(/invalid argument "many" for "--concurrent-throwaway-syncs" flag/);
  });

  it('builds it when enabled, with its options, and not when disabled', () => {
    const built = buildControllers(context(), parseFlags(['--controllers=throwaway', '--concurrent-throwaway-syncs=7'], TABLE), TABLE);
    expect(built).toHaveLength(1);
    expect(built[0]).toBeInstanceOf(ThrowawayController);
    expect(built[0]!.workers).toBe(7);
    const all = buildControllers(context(), parseFlags([], TABLE), TABLE);
    expect(all.map((c) => c.name).at(-1)).toBe('throwaway-controller');
    // The CSR signing controller is not built without a signing CA (--cluster-signing-*-file), as upstream.
    expect(all).toHaveLength(ALL_CONTROLLERS.length);
    const without = buildControllers(context(), parseFlags(['--controllers=*,-throwaway'], TABLE), TABLE);
    expect(without.some((c) => c instanceof ThrowawayController)).toBe(false);
    expect(without).toHaveLength(ALL_CONTROLLERS.length - 1);
  });

  it('builds the manager’s controllers from their flags (node IPAM only when allocating CIDRs)', () => {
    const all = buildControllers(context(), parseFlags(['--concurrent-deployment-syncs=3']));
    expect(all).toHaveLength(ALL_CONTROLLERS.length - 1); // no signing CA: no CSR signer
    expect(all.map((c) => c.name)).not.toContain('certificatesigningrequest-signing-controller');
    expect(all.find((c) => c.name === 'deployment-controller')?.workers).toBe(3);
    expect(all.find((c) => c.name === 'namespace-controller')?.workers).toBe(10);
    const noIpam = buildControllers(context(), parseFlags(['--allocate-node-cidrs=false']));
    expect(noIpam.map((c) => c.name)).not.toContain('node-ipam-controller');
    expect(noIpam).toHaveLength(ALL_CONTROLLERS.length - 2);
    expect(buildControllers(context(), parseFlags(['--controllers=deployment,replicaset'])).map((c) => c.name)).toEqual([
      'replicaset-controller',
      'deployment-controller',
    ]);
  });

  it('refuses a table whose rows share a flag, a name or an alias', () => {
    const sameFlag = { ...throwaway, name: 'other-controller', aliases: [] };
    expect(() => controllerManagerFlags([...TABLE, sameFlag])).toThrow('controller manager flag --concurrent-throwaway-syncs is defined twice');
    const sameAlias = { ...throwaway, name: 'other-controller', aliases: ['podgc'], flags: [] };
    expect(() => controllerManagerFlags([...TABLE, sameAlias])).toThrow('controller name or alias "podgc" is used twice');
    const managerFlag = { ...throwaway, flags: [{ name: 'kubeconfig', type: 'string' as const, help: '' }] };
    expect(() => controllerManagerFlags([...CONTROLLERS, managerFlag])).toThrow('controller manager flag --kubeconfig is defined twice');
  });
});
