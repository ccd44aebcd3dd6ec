/**
 * Golden files: a test compares the text it builds with a file checked into the repository. A
 * missing golden file fails the test (a deleted golden must not pass silently); with the explicit
 * update flag `KUBELAB_UPDATE_GOLDEN=1` the text is written first, to be reviewed and committed.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

export const UPDATE_GOLDEN_ENV = 'KUBELAB_UPDATE_GOLDEN';

/** Expect `text` to equal the golden file (written first when the update flag is set in `env`). */
export function expectGolden(file: string, text: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env[UPDATE_GOLDEN_ENV] === '1') writeFileSync(file, text);
  else if (!existsSync(file)) {
    throw new Error(`golden file ${file} is missing: run the test with ${UPDATE_GOLDEN_ENV}=1 to write it, then review and commit it`);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}
