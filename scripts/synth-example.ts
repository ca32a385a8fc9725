/**
 * Synthesizes the TypeScript example app with the CDK CLI (`npx cdk synth`, as its README says; no
 * AWS account needed) into examples/typescript/cdk.out and prints each stack with its resources
 * counted by type.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { templatesIn } from './lib/apps';
import { PROJECT_ROOT } from './lib/project';

const example = path.join(PROJECT_ROOT, 'examples', 'typescript');
execFileSync('npx', ['cdk', 'synth', '--quiet'], { cwd: example, stdio: 'inherit', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } });

const outdir = path.join(example, 'cdk.out');
const templates = templatesIn(outdir);
for (const template of templates) {
  const resources = Object.values(template.body.Resources ?? {});
  const countsByType = new Map<string, number>();
  resources.forEach((resource) => countsByType.set(resource.Type, (countsByType.get(resource.Type) ?? 0) + 1));
  console.log(`${path.basename(template.path, '.template.json')}: ${resources.length} resources`);
  [...countsByType.entries()].sort().forEach(([type, count]) => console.log(`  ${String(count).padStart(3)} ${type}`));
}
console.log(`Synthesized ${templates.length} templates into ${path.relative(process.cwd(), outdir) || '.'}/ without an AWS account.`);
