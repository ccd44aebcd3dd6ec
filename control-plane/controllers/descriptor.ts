/**
 * What the controller manager knows of one controller: a row of the table in `table.ts`, written in
 * the controller's own folder (`<folder>/descriptor.ts`). Everything the manager does with a
 * controller derives from these rows: the list of names, `--controllers` and its help, the aliases,
 * the flags and their parsing, and building the enabled controllers.
 */

import type { FlagSpec, FlagValues } from '../../api/cli/flags.js';
import type { Controller } from '../../api/client/controller.js';
import type { ControllerContext } from './util/context.js';

export interface ControllerDescriptor<O extends object = object> {
  /** Upstream's `--controllers` name (1.32: `replicaset-controller`, ...). */
  readonly name: string;
  /** The short names of older releases (`replicaset`), accepted by `--controllers`. */
  readonly aliases: readonly string[];
  /** The flags only this controller reads, with upstream's names and defaults (`--concurrent-*-syncs`). */
  readonly flags: readonly FlagSpec[];
  /**
   * Its options from the parsed flag values, as typed fields (`--concurrent-deployment-syncs` ->
   * `concurrentDeploymentSyncs`); the manager's options carry every controller's fields.
   */
  options(values: FlagValues): O;
  /** The controller on the shared context, or undefined when its options switch it off (`--allocate-node-cidrs=false`). */
  build(ctx: ControllerContext, options: O): Controller | undefined;
}

/** The table's type: any descriptors, in the order the manager lists and builds them. */
export type ControllerTable = readonly ControllerDescriptor[];

type OptionsOf<D> = D extends ControllerDescriptor<infer O> ? O : never;
type Intersect<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every controller's option fields of a table, merged (what `parseFlags` adds to the manager's own options). */
export type ControllerOptionsOf<T extends ControllerTable> = Intersect<OptionsOf<T[number]>>;
