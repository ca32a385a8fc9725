/**
 * Synthesizes the example app into ./cdk.out (no AWS account needed) and prints each stack with
 * its resources counted by type.
 */
import * as path from 'path';
import { synthesizeApp, templatesIn } from './lib/apps';
import { PROJECT_ROOT } from './lib/project';

const outdir = path.join(PROJECT_ROOT, 'cdk.out');
synthesizeApp({ file: 'examples/app.ts' }, outdir);

const templates = templatesIn(outdir);
for (const template of templates) {
  const resources = Object.values(template.body.Resources ?? {});
  const countsByType = new Map<string, number>();
  resources.forEach((resource) => countsByType.set(resource.Type, (countsByType.get(resource.Type) ?? 0) + 1));
  console.log(`${path.basename(template.path, '.template.json')}: ${resources.length} resources`);
  [...countsByType.entries()].sort().forEach(([type, count]) => console.log(`  ${String(count).padStart(3)} ${type}`));
}
console.log(`Synthesized ${templates.length} stacks into ${path.relative(process.cwd(), outdir) || '.'}/ without an AWS account.`);
