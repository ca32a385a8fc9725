/**
 * Runs cfn-lint over every template of an already synthesized cloud assembly, for apps the template
 * gate cannot synthesize itself: the Python example, synthesized by the Python gate with the built
 * wheel. Exits non-zero on any finding.
 *
 *   ts-node scripts/lint-templates.ts <cloud assembly directory>
 */
import { templatesIn } from './lib/apps';
import { cfnLint, formatCfnLintFinding } from './lib/cfn-lint';

const outdir = process.argv[2];
if (!outdir) {
  console.error('usage: lint-templates.ts <cloud assembly directory>');
  process.exit(2);
}
const templates = templatesIn(outdir);
if (templates.length === 0) {
  console.error(`cfn-lint: no templates in ${outdir}; synthesize the app into it first`);
  process.exit(1);
}
const findings = cfnLint(templates.map((template) => template.path));
findings.forEach((finding) => console.error(`cfn-lint: ${formatCfnLintFinding(finding)}`));
console.log(`cfn-lint: ${templates.length} templates of ${outdir} checked, ${findings.length} findings`);
process.exit(findings.length === 0 ? 0 : 1);
