import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT, SETUP_HINT } from './project';

/** One cfn-lint finding, as its JSON format reports it. */
export interface CfnLintFinding {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: Array<string | number> };
}

/** cfn-lint from the project-local venv, where `scripts/setup.sh` installs the pinned version. */
const CFN_LINT = path.join(PROJECT_ROOT, '.venv', 'bin', 'cfn-lint');

/**
 * Checks the gate does not run, each with why:
 * - W3005 (a DependsOn that a GetAtt already implies): aws-cdk-lib's `lambda.Function` always adds
 *   its role as an explicit dependency too, e.g. in the `AwsCustomResource` provider; redundant,
 *   not wrong, and not ours to change.
 */
const IGNORED_CHECKS = ['W3005'];

/**
 * Runs cfn-lint over CloudFormation templates and returns every finding. cfn-lint signals
 * findings through its exit code, so only a missing tool or unreadable output is an error here.
 */
export function cfnLint(templatePaths: string[]): CfnLintFinding[] {
  if (!fs.existsSync(CFN_LINT)) {
    throw new Error(`cfn-lint is not installed at ${CFN_LINT}; ${SETUP_HINT}`);
  }
  if (templatePaths.length === 0) {
    return [];
  }
  const result = spawnSync(CFN_LINT, ['--format', 'json', '--ignore-checks', ...IGNORED_CHECKS, '--', ...templatePaths], { encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error || !result.stdout.trim().startsWith('[')) {
    throw new Error(`cfn-lint did not report findings (exit code ${result.status}): ${result.error?.message ?? result.stderr}`);
  }
  return JSON.parse(result.stdout);
}

/** `E3002 Resources/Bucket/Properties: Additional properties are not allowed ('Nme' was unexpected) [app.template.json]` */
export function formatCfnLintFinding(finding: CfnLintFinding): string {
  return `${finding.Rule.Id} ${finding.Location.Path.join('/')}: ${finding.Message} [${path.relative(PROJECT_ROOT, finding.Filename)}]`;
}
