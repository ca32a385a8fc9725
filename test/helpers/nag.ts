/**
 * cdk-nag in tests: runs the AwsSolutions rule pack over an app and returns what it reports, and
 * lists the acknowledgements that silence it, so tests can insist that each one says why.
 */
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
 * Unacknowledged AwsSolutions findings, at every severity, of every stack in the app, once it is
 * synthesized. A finding counts as acknowledged only by an acknowledgement on its resource or an
 * ancestor, as cdk-nag and aws-cdk-lib from 2.276 read them as a validation plugin. aws-cdk-lib
 * 2.263 drops, app-wide, every finding whose id is acknowledged anywhere, so running the plugin
 * on the peer floor would hide findings that users of the newest aws-cdk-lib get: the rule pack
 * is run directly instead, alike on every version.
 */
export function awsSolutionsFindings(app: App): NagFinding[] {
  app.synth();
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.flatMap((violation) => violation.violatingResources.map((resource) => ({
    rule: violation.ruleName,
    severity: violation.severity ?? 'error',
    path: resource.constructPath!,
    description: violation.description,
  })));
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

/**
 * What AwsSolutions reports on the app `build` makes when no finding is acknowledged: the modules
 * are loaded afresh with `acknowledgeNagFinding` stubbed, and so are aws-cdk-lib and cdk-nag, whose
 * classes must be the ones the constructs were built with. `build` requires the constructs it uses
 * itself, so that they load in the fresh registry too.
 */
export function unacknowledgedFindings(build: (cdk: typeof import('aws-cdk-lib'), app: App) => void): NagFinding[] {
  let findings: NagFinding[] = [];
  jest.isolateModules(() => {
    jest.doMock('../../src/private/nag/nag-acknowledgement', () => ({
      ...jest.requireActual('../../src/private/nag/nag-acknowledgement'),
      acknowledgeNagFinding: () => undefined,
    }));
    /* eslint-disable @typescript-eslint/no-require-imports */
    const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
    const nag = require('./nag') as typeof import('./nag');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const app = new cdk.App();
    build(cdk, app);
    findings = nag.awsSolutionsFindings(app);
  });
  return findings;
}

/**
 * Expects `findings` (reported with no acknowledgement) and `acknowledgements` to match one for one:
 * none is stale, and none is broader than its finding (on another construct).
 */
export function expectAcknowledgedOneForOne(findings: NagFinding[], acknowledgements: NagAcknowledgement[]): void {
  expect(findings).toHaveLength(acknowledgements.length);
  for (const finding of findings) {
    expect(acknowledgements).toContainEqual(expect.objectContaining({ rule: finding.rule, path: finding.path.replace(/\/DefaultPolicy\/Resource$|\/Resource$/, '') }));
  }
}
