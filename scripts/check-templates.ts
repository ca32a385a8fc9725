/**
 * Template gate: synthesizes the example app and every integ app, then
 *  - runs cfn-lint over every template (any error or warning fails),
 *  - checks every Image Builder component document against the document rules,
 *  - runs shellcheck over every bash script the templates would run on an instance,
 *  - parses every PowerShell script they would run with PowerShell's tree-sitter grammar, and
 *  - validates every state machine definition with asl-validator, and
 *  - checks every AWS SDK task of every state machine against AWS's service model, the IAM Service
 *    Authorization Reference and its role's statements.
 * Prints what it checked so a green run says how much it covered.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SynthesizedTemplate, exampleAndIntegApps, synthesizeApp, templatesIn } from './lib/apps';
import { cfnLint, formatCfnLintFinding } from './lib/cfn-lint';
import { componentDocumentErrors, componentDocumentsInTemplate } from './lib/component-documents';
import { formatPowerShellSyntaxError, powerShellSyntaxErrors } from './lib/powershell-syntax';
import { PROJECT_ROOT } from './lib/project';
import { formatShellcheckFinding, shellcheck } from './lib/shellcheck';
import { sdkTaskContracts } from './lib/state-machine-contracts';
import { stateMachinesInTemplate, validateDefinition } from './lib/state-machines';
import { powerShellScriptsInTemplate, shellScriptsInTemplate } from './lib/template-scripts';

// The floor, or the newest aws-cdk-lib when scripts/newest-cdk.sh preloads its resolution.
const cdkVersion = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf-8')).version;
console.log(`Synthesizing the example and integ apps with aws-cdk-lib ${cdkVersion}`);
const templates = exampleAndIntegApps().flatMap((app) => {
  // examples/typescript/app.ts → examples-typescript-app; integ/integ.pipeline.ts → integ-integ.pipeline. A folder per
  // aws-cdk-lib version: the gate runs on the floor and, in the background, on the newest at the same time.
  const outdir = path.join(PROJECT_ROOT, '.gates', 'synth', `aws-cdk-lib-${cdkVersion}`, app.file.replace(/\.ts$/, '').split('/').join('-'));
  synthesizeApp(app, outdir);
  return templatesIn(outdir);
});
const resourceCount = templates.reduce((sum, template) => sum + Object.keys(template.body.Resources ?? {}).length, 0);

const lintFindings = cfnLint(templates.map((template) => template.path));
lintFindings.forEach((finding) => console.error(`cfn-lint: ${formatCfnLintFinding(finding)}`));
console.log(`cfn-lint: ${templates.length} templates, ${resourceCount} resources checked, ${lintFindings.length} findings`);

/**
 * Runs one checker over every item found in the templates, printing each finding with the
 * template and location it came from; returns how many findings there were.
 */
function checkEach<T>(tool: string, noun: string, find: (body: SynthesizedTemplate['body']) => T[], locate: (item: T) => string, check: (item: T) => string[]): number {
  const items = templates.flatMap((template) => find(template.body).map((item) => ({ item, template: path.relative(PROJECT_ROOT, template.path) })));
  let findingCount = 0;
  for (const { item, template } of items) {
    for (const finding of check(item)) {
      findingCount++;
      console.error(`${tool}: ${template} ${locate(item)}: ${finding}`);
    }
  }
  console.log(`${tool}: ${items.length} ${noun} checked, ${findingCount} findings`);
  return findingCount;
}

const documentErrorCount = checkEach('component-documents', 'component documents', componentDocumentsInTemplate,
  (component) => `Resources/${component.logicalId}/Properties/Data`, (component) => componentDocumentErrors(component.document));
const scriptFindingCount = checkEach('shellcheck', 'generated scripts', shellScriptsInTemplate,
  (script) => script.location, (script) => shellcheck(script.script).map(formatShellcheckFinding));
const powerShellErrorCount = checkEach('powershell-syntax', 'generated scripts', powerShellScriptsInTemplate,
  (script) => script.location, (script) => powerShellSyntaxErrors([script.script])[0].map(formatPowerShellSyntaxError));
const aslErrorCount = checkEach('asl-validator', 'state machines', stateMachinesInTemplate,
  (machine) => `Resources/${machine.logicalId}`, (machine) => validateDefinition(machine.definition));

const contractErrorCount = checkEach('sdk-contracts', 'AWS SDK tasks', sdkTaskContracts,
  (task) => `Resources/${task.stateMachine}/States/${task.state} (${task.api})`, (task) => task.problems);

const findingCount = lintFindings.length + documentErrorCount + scriptFindingCount + powerShellErrorCount + aslErrorCount + contractErrorCount;
if (templates.length === 0 || findingCount > 0) {
  console.error('Template gate failed: fix the findings above (the construct that generated them is named in the resource path).');
  process.exit(1);
}
