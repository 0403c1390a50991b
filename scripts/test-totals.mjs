// Prints "N passed, N failed" from vitest's JSON report, so a run that executed no test is visible.
// Every test that did not pass counts as failed: a failure, a skip or todo (not allowed here), and a test that
// never finished because its worker process died (vitest leaves it "pending" and counts it nowhere).
// Exits 1 when the report is missing, when any test did not pass, or when no test ran.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.log(`no test report at ${file} (${e.message})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const files = report.testResults ?? [];
const tests = files.flatMap((f) => (f.assertionResults ?? []).map((t) => ({ ...t, file: f.name })));
const passed = tests.filter((t) => t.status === 'passed').length;
const failed = tests.filter((t) => t.status === 'failed').length;
const skipped = tests.filter((t) => t.status === 'skipped' || t.status === 'todo').length;
const unfinished = tests.filter((t) => !['passed', 'failed', 'skipped', 'todo'].includes(t.status));
// Suites that failed to load (an import error, a missing adapter in beforeAll) count as failures too.
const brokenFiles = files.filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
if (skipped) console.log(`${skipped} tests were skipped or todo: not allowed`);
for (const t of unfinished) console.log(`did not finish (its worker died?): ${t.file} > ${t.fullName ?? t.title}`);
const notPassed = failed + skipped + unfinished.length + brokenFiles;
console.log(`${passed} passed, ${notPassed} failed`);
process.exit(notPassed > 0 || passed === 0 ? 1 : 0);
