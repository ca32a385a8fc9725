/**
 * Template gate: synthesizes the example app and every integ app, then
 *  - runs cfn-lint over every template (any error or warning fails),
 *  - runs shellcheck over every bash script the templates would run on an instance, and
 *  - validates every state machine definition with asl-validator.
 * Prints what it checked so a green run says how much it covered.
 */
import * as path from 'path';
import { exampleAndIntegApps, synthesizeApp, templatesIn } from './lib/apps';
import { cfnLint, formatCfnLintFinding } from './lib/cfn-lint';
import { PROJECT_ROOT } from './lib/project';
import { formatShellcheckFinding, shellcheck } from './lib/shellcheck';
import { stateMachinesInTemplate, validateDefinition } from './lib/state-machines';
import { shellScriptsInTemplate } from './lib/template-scripts';

const templates = exampleAndIntegApps().flatMap((app) => {
  const outdir = path.join(PROJECT_ROOT, '.gates', 'synth', path.basename(app.file, '.ts'));
  synthesizeApp(app, outdir);
  return templatesIn(outdir);
});
const resourceCount = templates.reduce((sum, template) => sum + Object.keys(template.body.Resources ?? {}).length, 0);

const lintFindings = cfnLint(templates.map((template) => template.path));
lintFindings.forEach((finding) => console.error(`cfn-lint: ${formatCfnLintFinding(finding)}`));
console.log(`cfn-lint: ${templates.length} templates, ${resourceCount} resources checked, ${lintFindings.length} findings`);

const scripts = templates.flatMap((template) => shellScriptsInTemplate(template.body)
  .map((script) => ({ ...script, template: path.relative(PROJECT_ROOT, template.path) })));
let scriptFindingCount = 0;
for (const { template, location, script } of scripts) {
  for (const finding of shellcheck(script)) {
    scriptFindingCount++;
    console.error(`shellcheck: ${template} ${location}: ${formatShellcheckFinding(finding)}`);
  }
}
console.log(`shellcheck: ${scripts.length} generated scripts checked, ${scriptFindingCount} findings`);

const stateMachines = templates.flatMap((template) => stateMachinesInTemplate(template.body)
  .map((machine) => ({ ...machine, template: path.relative(PROJECT_ROOT, template.path) })));
let aslErrorCount = 0;
for (const { template, logicalId, definition } of stateMachines) {
  for (const error of validateDefinition(definition)) {
    aslErrorCount++;
    console.error(`asl-validator: ${template} Resources/${logicalId}: ${error}`);
  }
}
console.log(`asl-validator: ${stateMachines.length} state machines checked, ${aslErrorCount} findings`);

if (templates.length === 0 || lintFindings.length > 0 || scriptFindingCount > 0 || aslErrorCount > 0) {
  console.error('Template gate failed: fix the findings above (the construct that generated them is named in the resource path).');
  process.exit(1);
}
