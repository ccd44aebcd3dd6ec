// Sum vitest's JSON reports (one per tier) into the run's closing line:
//   tests: N passed, N failed, N skipped[, N files failed]
// and say why a run fails: every file that failed as a whole (its set-up or import threw: its tests are
// then skipped) with vitest's message, every failed test with the first lines of its message, every skipped
// test, every tier that wrote no report.
// Exit status 1 when anything failed or was skipped, or when nothing passed.
//   node scripts/test-summary.mjs DIR [TIER...]   (TIERs: the reports DIR/<tier>.json that must exist)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const dir = process.argv[2] ?? '.test-results';
const expected = process.argv.slice(3);
const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
const tiers = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')) : [];
for (const t of expected) if (!tiers.includes(t)) problems.push(`tier ${t}: no report (${join(dir, `${t}.json`)}): vitest did not finish`);

let filesFailed = 0;
for (const tier of tiers) {
  const r = JSON.parse(readFileSync(join(dir, `${tier}.json`), 'utf8'));
  const count = { passed: 0, failed: 0, skipped: 0 };
  for (const file of r.testResults ?? []) {
    const name = relative(process.cwd(), file.name);
    for (const a of file.assertionResults ?? []) {
      if (a.status === 'passed') count.passed++;
      else if (a.status === 'failed') {
        count.failed++;
        // The tail of a CI log is often all one sees: name the test and the first lines of why.
        const why = String((a.failureMessages ?? [])[0] ?? '').split('\n').slice(0, 4).join('\n    ');
        problems.push(`FAILED: ${name} > ${a.fullName ?? a.title}${why ? `\n    ${why}` : ''}`);
      }
      else if (SKIPPED.has(a.status)) {
        count.skipped++;
        problems.push(`skipped: ${name} > ${a.fullName ?? a.title}`);
      }
    }
    const ownFailure = file.status === 'failed' && !(file.assertionResults ?? []).some((a) => a.status === 'failed');
    if (ownFailure) {
      filesFailed++;
      const why = String(file.message || 'failed with no test failing (see its output above)').split('\n').slice(0, 6).join('\n    ');
      problems.push(`FILE FAILED (its set-up or import threw; its tests did not run): ${name}\n    ${why}`);
    }
  }
  passed += count.passed;
  failed += count.failed;
  skipped += count.skipped;
  console.log(`${tier}: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped`);
}
for (const p of problems) console.log(p);
const bad = failed > 0 || skipped > 0 || filesFailed > 0 || passed === 0 || problems.length > 0;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped${filesFailed ? `, ${filesFailed} file${filesFailed > 1 ? 's' : ''} failed` : ''}`);
process.exit(bad ? 1 : 0);
