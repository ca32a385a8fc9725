// Prints the test runners' counts from their reports, ending with one
// "tests: N passed, N failed" line. Plain JavaScript so it runs even when ts-node is broken.
const fs = require('fs');

const counts = [];

// The floor's run, then the newest aws-cdk-lib's (scripts/newest-cdk.sh).
for (const [runner, report] of [['jest', 'test-reports/jest.json'], ['jest (newest aws-cdk-lib)', 'test-reports/jest-newest-cdk.json']]) {
  if (fs.existsSync(report)) {
    const jest = JSON.parse(fs.readFileSync(report, 'utf-8'));
    // A suite that fails to load runs no test; count it as a failure so it cannot vanish.
    counts.push([runner, jest.numPassedTests, jest.numFailedTests + jest.numRuntimeErrorTestSuites, jest.numPendingTests]);
  } else {
    console.log(`${runner}: no report (${report}); counted as 1 failure`);
    counts.push([runner, 0, 1, 0]);
  }
}
// JUnit XML: pytest's, one per Node.js version (scripts/check-python-bindings.sh), and Surefire's.
function junitCounts(runner, file) {
  const xml = fs.readFileSync(file, 'utf-8');
  const attribute = (name) => Number((xml.match(new RegExp(`<testsuite [^>]*\\b${name}="(\\d+)"`)) ?? [])[1] ?? 0);
  const failed = attribute('failures') + attribute('errors');
  const skipped = attribute('skipped');
  counts.push([runner, attribute('tests') - failed - skipped, failed, skipped]);
}
const reportsIn = (folder, pattern) => (fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => pattern.test(name)).sort() : []);
for (const report of reportsIn('test-reports', /^pytest-node\d+\.xml$/)) {
  junitCounts(`pytest (Node.js ${report.match(/\d+/)[0]})`, `test-reports/${report}`);
}
for (const report of reportsIn('test/java/target/surefire-reports', /^TEST-.*\.xml$/)) {
  junitCounts(`JUnit (${report.slice('TEST-'.length, -'.xml'.length).split('.').pop()})`, `test/java/target/surefire-reports/${report}`);
}
// go test -v (scripts/check-go-bindings.sh): one "--- PASS", "--- FAIL" or "--- SKIP" line a test,
// and a package that does not compile runs none: count it as a failure so it cannot vanish.
if (fs.existsSync('test-reports/go-test.txt')) {
  const output = fs.readFileSync('test-reports/go-test.txt', 'utf-8');
  const count = (pattern) => (output.match(new RegExp(pattern, 'gm')) ?? []).length;
  counts.push(['go test', count('^\\s*--- PASS: '), count('^\\s*--- FAIL: ') + count('^FAIL\\s.*\\[(build|setup) failed\\]'), count('^\\s*--- SKIP: ')]);
}

for (const [runner, passed, failed, skipped] of counts) {
  console.log(`${runner}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}
const total = (index) => counts.reduce((sum, row) => sum + row[index], 0);
console.log(`tests: ${total(1)} passed, ${total(2)} failed`);
