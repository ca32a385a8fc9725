/**
 * cdk-nag in tests: runs the AwsSolutions rule pack over an app as a CDK validation plugin and
 * returns what it reports, and lists the acknowledgements that silence it, so tests can insist
 * that each one says why.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

export interface NagFinding {
  /** Rule id, e.g. `AwsSolutions-S10`. */
  readonly rule: string;
  readonly severity: string;
  /** Construct path of the offending resource. */
  readonly path: string;
  readonly description: string;
}

export interface NagAcknowledgement {
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

/**
 * Unacknowledged AwsSolutions findings, at every severity, of every stack in the app. Synthesizes
 * the app: a finding makes synthesis fail with a validation report, which is read here.
 */
export function awsSolutionsFindings(app: App): NagFinding[] {
  // An app synthesizes once: plugins added after its first synthesis would never run.
  if ((app as unknown as { assembly?: unknown }).assembly !== undefined) {
    throw new Error('awsSolutionsFindings needs an app that has not been synthesized yet (Template.fromStack synthesizes it)');
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let validationFailure: unknown;
  try {
    app.synth();
  } catch (error) {
    if (!String(error).includes('ValidationFailed')) {
      throw error;
    }
    validationFailure = error;
  }
  const reportPath = path.join(app.outdir, 'validation-report.json');
  if (!fs.existsSync(reportPath)) {
    if (validationFailure) {
      throw validationFailure;
    }
    return [];
  }
  const report = JSON.parse(fs.readFileSync(reportPath, 'utf-8'));
  return report.pluginReports
    .filter((pluginReport: any) => pluginReport.pluginName === 'AwsSolutions')
    .flatMap((pluginReport: any) => pluginReport.violations.flatMap((violation: any) => violation.violatingConstructs.map((construct: any) => ({
      rule: violation.ruleName,
      severity: violation.severity,
      path: construct.constructPath,
      description: violation.description,
    }))));
}

/** Every rule acknowledged with `Validations.of(construct).acknowledge()` in the app. */
export function nagAcknowledgements(app: App): NagAcknowledgement[] {
  return app.node.findAll().flatMap((construct) => construct.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries<string>(entry.data).map(([rule, reason]) => ({ path: construct.node.path, rule, reason }))));
}

/** Reasons that explain nothing about the resource they silence. */
const VAGUE_REASON = /^(n\/?a|none|ok|todo|fine|ignore[d]?|suppressed?|not (needed|required|applicable)|false positive|by design|intended|accepted)\.?$/i;

/** A reason is specific when it says something about this resource: more than a stock phrase. */
export function isSpecificReason(reason: string): boolean {
  return reason.trim().length >= 20 && !VAGUE_REASON.test(reason.trim());
}
