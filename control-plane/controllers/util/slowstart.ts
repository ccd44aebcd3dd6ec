/**
 * Slow start (controller.slowStartBatch): run `count` calls in batches of 1, 2, 4, ... so that a
 * controller that cannot create (quota, admission) fails after one call, not after hundreds.
 * Stops at the first batch with a failure and reports how many calls succeeded.
 */

/** The batch sizes for `count` calls starting at `initial`: 1, 2, 4, ..., the rest. */
export function slowStartBatchSizes(count: number, initial = 1): number[] {
  const sizes: number[] = [];
  let remaining = count;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining)) {
    sizes.push(size);
    remaining -= size;
  }
  return sizes;
}

export async function slowStartBatch(
  count: number,
  initial: number,
  fn: (index: number) => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let successes = 0;
  let index = 0;
  for (const size of slowStartBatchSizes(count, initial)) {
    const results = await Promise.allSettled(Array.from({ length: size }, (_, i) => fn(index + i)));
    index += size;
    let error: unknown;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else error ??= r.reason;
    }
    if (error !== undefined) return { successes, error };
  }
  return { successes };
}
