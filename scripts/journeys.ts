/**
 * Runs every journey (or those whose name contains the first argument) and prints, per journey,
 * the image builds, instance replacements and approvals per environment, the AWS calls made and
 * checked against AWS's models and IAM, and the invariant checks that held. Measured by running
 * the synthesized workflows against moto and the simulations; nothing reaches AWS.
 *
 *   npx projen journeys [name filter]
 */
import { JOURNEYS, runJourney } from './lib/journey/journeys';

async function main(): Promise<void> {
  const filter = process.argv[2];
  const selected = JOURNEYS.filter((journey) => filter === undefined || journey.name.includes(filter));
  let failed = 0;
  for (const journey of selected) {
    const started = Date.now();
    process.stdout.write(`\n${journey.name}\n`);
    try {
      const { report } = await runJourney(journey);
      const environments = Object.keys(report.replacements);
      const row = (label: string, values: Record<string, number>) => `  ${label.padEnd(30)}${environments.map((environment) => `${environment} ${values[environment]}`.padEnd(12)).join('')}`;
      process.stdout.write([
        `  ${'image builds'.padEnd(30)}${report.builds}`,
        row('instances replaced', report.replacements),
        row('instances rolled back', report.rolledBack),
        row('approvals asked', report.approvals),
        `  ${'pipeline executions'.padEnd(30)}${report.pipelineExecutions}`,
        `  ${'AWS calls made and checked'.padEnd(30)}${report.calls} (service model and IAM), ${report.violations.length} refused`,
        `  ${'invariants held'.padEnd(30)}${report.invariantChecks} checks`,
        `  ${'took'.padEnd(30)}${((Date.now() - started) / 1000).toFixed(1)} s`,
      ].join('\n') + '\n');
    } catch (error) {
      failed += 1;
      process.stdout.write(`  FAILED: ${(error as Error).message}\n`);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
