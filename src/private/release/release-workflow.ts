import {
  Duration, Stack, Token,
  aws_iam as iam, aws_logs as logs, aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

import { dataSnapshotStatements } from './release-workflow-data-snapshots';
import { ReleaseDefinition } from './release-workflow-definition';
import { AUTO_SCALING_GRANT_OPERATIONS, autoScalingServiceRoleArn } from './release-workflow-image-key';
import { AmiRetirement, releaseTagKeys } from './release-workflow-in-use';
import { ledgerNames } from './release-workflow-states';
import { TargetWorkflowProps, createTargetWorkflow, validateEnvironmentName } from './target-workflow';
import type { ReleaseTarget } from '../../release-target';
import { VulnerabilityPolicy } from '../../vulnerability-policy';
import { acknowledgeNagFinding, nagResourceReference } from '../nag/nag-acknowledgement';
import { APPLICATION_TAG_KEY, IN_USE_TAG_KEY, IN_USE_TAG_VALUE, inUseByTagKey } from '../shared/release-tags';

const MIN_TIMEOUT = Duration.minutes(5);
/** The tag Image Builder puts on the AMIs and snapshots it distributes, which its own lifecycle policy conditions on too. */
const IMAGE_BUILDER_CREATED_BY = 'EC2 Image Builder';
/** CloudFormation's own bound on one direction of an update with an instance refresh. */
const MAX_TIMEOUT = Duration.hours(36);
/** Room beyond the update and rollback bounds for the other calls and their retries. */
const EXECUTION_MARGIN = Duration.minutes(30);
const DEFAULT_TIMEOUT = Duration.minutes(60);

/** The longest a release that succeeds takes: its stack update, and the calls around it. */
export function longestSuccessfulRelease(timeout: Duration = DEFAULT_TIMEOUT): Duration {
  return timeout.plus(EXECUTION_MARGIN);
}

export interface ReleaseWorkflowProps extends TargetWorkflowProps {
  /**
   * How long the stack update may take before it is cancelled; the rollback that follows is given
   * as long again. Between 5 minutes and 36 hours.
   *
   * @default Duration.minutes(60)
   */
  readonly timeout?: Duration;

  /**
   * When an AMI that the release retires (no environment holds it any more) is old enough for the
   * release to deregister it: once its Image Builder image has been deleted around it.
   *
   * @default - never: the lifecycle policy retires it with its image
   */
  readonly retirement?: AmiRetirement;

  /**
   * Which images the environment may run, by their vulnerability scan in the release manifest.
   *
   * @default VulnerabilityPolicy.none()
   */
  readonly vulnerabilities?: VulnerabilityPolicy;
}

/**
 * A Step Functions standard workflow, SDK integrations only, that releases one AMI into one
 * environment: it writes the environment's release ledger and updates its stack with the previous
 * template and parameter values, so that CloudFormation resolves the new ledger and the instance
 * refresh replaces the fleet.
 *
 * Execution input: `{ "amiId", "version", "commitId", "commitMessage", "pipelineExecutionId" }`,
 * all strings; the commit message is cut to 256 characters (a tag value's limit). Instead of
 * `amiId`, a release manifest gives `"images": { "<account>/<region>/<architecture>": "<AMI id>" }`
 * with one AMI per account, region and architecture it was distributed to (or keys
 * `<account>/<region>` where it names one AMI per place); the release takes the target's. Without
 * either, the release fails with `ImageNotInManifest` before anything is read or written. Optional:
 * `contentHash` (the archive's) and `fingerprint` (the image's; a bake's manifest gives one per
 * architecture in `builds`, and the release takes its target's), `none` when absent: the ledger
 * holds them and the instances carry them as tags. The `scan` of the target's build is judged by
 * the environment's `VulnerabilityPolicy` before anything is read from the target
 * (`ImageFindingsGate`), when the release's AMI is that build's (the manifest's for the target); a
 * release that names no scan, or gives an `amiId` other than the manifest's, is judged as NOT_SCANNED.
 *
 * 0. When the AMI's snapshots are encrypted with a KMS key of another account, grants that key to
 *    the target account's Auto Scaling service-linked role, so that instances can launch from it.
 * 1. Reads the stack's parameter keys and the ledger's current values (the release a failure
 *    restores), then writes the ledger (plain text parameters, overwritten).
 * 2. Starts the environment's release stack update (`ReleaseTarget.stackUpdateStateMachineArn`),
 *    which calls `UpdateStack` with `UsePreviousTemplate`, every parameter's previous value and the
 *    release service role, in the environment's account: the release cannot send a template.
 *    "No updates are to be performed" is a success: the stack runs this release.
 * 3. Polls the stack every 30 seconds (longer for timeouts over 6 hours) until it is no longer in
 *    progress, for at most `timeout`.
 * 4. On success tags the AMI `immutable-servers:in-use=true` and in use by this stack's environment,
 *    with the release's provenance, labels the ledger versions it wrote `current-release` and those
 *    it replaced `previous-release`. The AMI it replaced keeps its tags: it is the previous release,
 *    which a return needs. The release before that one, which the ledger no longer holds, is
 *    retired: this environment's in-use tag comes off it (and the shared one, once no other
 *    environment's is left), and when it is older than the lifecycle policy's deletion age (its
 *    image was deleted around it while it was held) the release deregisters it with its snapshots.
 *    Outputs `{ "environment", "amiId", "version", "commitId", "outcome": "RELEASED" | "NO_CHANGE",
 *    "previousAmi": { "imageId" }, "retiredAmi": { "imageId", "inUseTag", "deregistered" },
 *    "vulnerabilities": { "policy", "scan", "severityCounts" | "reason", "decision", "accepted",
 *    "refused" } }` (see `RETIRED_AMI_OUTCOMES` and `FINDINGS_DECISIONS`). Execution logs hold it:
 *    the release history, and the audit of every finding a release accepted, with its reason.
 *
 * Releasing the AMI the environment already runs writes nothing and updates nothing: the output is
 * `{ "outcome": "ALREADY_RUNNING" }` with the version and commit the environment runs. A new
 * version in the ledger would change the instances' release tags and so replace every instance.
 *
 * `{ "returnToPreviousRelease": true }` releases the ledger's `previous-release` versions again:
 * the environment returns to the release before its current one, from the ledger alone, with no
 * image built; `NoPreviousRelease` when none is labelled, or only the placeholder before the first.
 *
 * Failures restore the ledger to the previous release and fail with one of these errors, with a
 * cause that says what happened and where to look: `ReleaseRolledBack` (names the first resource
 * that failed in this update, its type and reason), `ReleaseTimedOut` (the update was cancelled and
 * rolled back), `ReleaseNotStarted` (CloudFormation refused the update, or the ledger could not be
 * written), `ImageNotLaunchable` (nothing written: the AMI or its keys could not be read or granted).
 * `ImageHasFindings` and `ImageNotScanned` (nothing read or written: the environment's vulnerability
 * policy refuses the image, see `ImageFindingsGate`),
 * `LedgerNotFound` (nothing written), `LedgerNotRestored`, `ReleaseStatusUnknown` and
 * `AmiNotTagged` and `LedgerNotLabelled` say what to put right by hand.
 */
export class ReleaseWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** The state machine's literal name. */
  public readonly stateMachineName: string;
  /** The state machine's role: the principal a release role must trust. */
  public readonly role: iam.IRole;
  /** The role's ARN, from its literal name. */
  public readonly roleArn: string;
  /** The execution logs, with each execution's input and output: the releases' history. */
  public readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: ReleaseWorkflowProps) {
    super(scope, id);
    const timeout = props.timeout ?? DEFAULT_TIMEOUT;
    validateReleaseWorkflow(props, timeout);
    const { stateMachine, stateMachineName, role, roleArn, logGroup } = createTargetWorkflow(this, {
      purpose: 'release',
      roleDescription: `Releases AMIs into stack ${props.target.stackName}`,
      comment: `Releases an AMI into ${props.environmentName} (stack ${props.target.stackName}): ledger, stack update, rollback`,
      target: props.target,
      releaseRoleArn: props.releaseRoleArn,
      // The update, then at most as long again for the rollback of a cancelled update.
      timeout: timeout.plus(timeout).plus(EXECUTION_MARGIN),
      logRetention: props.logRetention,
      logExecutionData: true,
      definition: (credentials) => new ReleaseDefinition(this, {
        environmentName: props.environmentName,
        target: props.target,
        credentials,
        timeout,
        retirement: props.retirement ?? { deletionAgeDays: () => undefined },
        vulnerabilities: props.vulnerabilities ?? VulnerabilityPolicy.none(),
      }).chain(),
      grantTargetPermissions: (workflowRole) => grantReleasePermissions(workflowRole, props.target),
    });
    this.stateMachine = stateMachine;
    this.stateMachineName = stateMachineName;
    this.role = role;
    this.roleArn = roleArn;
    this.logGroup = logGroup;
  }
}

/**
 * What a release needs in the target's account and region, each statement as narrow as its API
 * allows: attach these to the role given as `releaseRoleArn` (or they go on the workflow's own
 * role). No statement lets the role update the stack: it starts the environment's release stack
 * update, a workflow of the environment's own that updates the stack with its previous template
 * and parameter values as a service role that can only roll out a new launch template version.
 * So the role can change which AMI runs (the ledger) and the AMIs' in-use tags, and nothing else.
 */
export function releaseRolePolicyStatements(scope: IConstruct, target: ReleaseTarget): iam.PolicyStatement[] {
  const arns = targetArns(scope, target);
  return [
    new iam.PolicyStatement({
      actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:CancelUpdateStack'],
      resources: [arns.stack],
    }),
    new iam.PolicyStatement({ actions: ['states:StartSyncExecution'], resources: [target.stackUpdateStateMachineArn] }),
    new iam.PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:PutParameter', 'ssm:LabelParameterVersion'], resources: arns.ledger }),
    // Any image in the region (a shared image is another account's), but only the release's tags,
    // and only together with the in-use tag.
    new iam.PolicyStatement({
      actions: ['ec2:CreateTags'],
      resources: [arns.images],
      conditions: {
        'StringEquals': { [`aws:RequestTag/${IN_USE_TAG_KEY}`]: IN_USE_TAG_VALUE },
        'ForAllValues:StringEquals': { 'aws:TagKeys': releaseTagKeys(target.stackName) },
      },
    }),
    // Only the in-use tags, never without naming them (a DeleteTags that names no tag deletes all),
    // and only from this application's AMIs: another application's stay protected.
    new iam.PolicyStatement({
      actions: ['ec2:DeleteTags'],
      resources: [arns.images],
      conditions: {
        'StringEquals': { [`aws:ResourceTag/${APPLICATION_TAG_KEY}`]: target.applicationName },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [inUseByTagKey(target.stackName), IN_USE_TAG_KEY] },
        'Null': { 'aws:TagKeys': 'false' },
      },
    }),
    // An AMI the release retires, once its image is gone: only Image Builder's, only this
    // application's, only without an in-use tag, so no release can deregister what any environment holds.
    new iam.PolicyStatement({
      actions: ['ec2:DeregisterImage'],
      resources: [arns.images],
      conditions: {
        StringEquals: { 'aws:ResourceTag/CreatedBy': IMAGE_BUILDER_CREATED_BY, [`aws:ResourceTag/${APPLICATION_TAG_KEY}`]: target.applicationName },
        Null: { [`aws:ResourceTag/${IN_USE_TAG_KEY}`]: 'true' },
      },
    }),
    new iam.PolicyStatement({
      actions: ['ec2:DeleteSnapshot'],
      resources: [arns.snapshots],
      conditions: { StringEquals: { 'aws:ResourceTag/CreatedBy': IMAGE_BUILDER_CREATED_BY } },
    }),
    // Whether other environments still run the retired AMI, which keys encrypt the released one's
    // snapshots, and when the retired one was made. These describe calls have no resource-level permissions.
    // And which data volumes to snapshot, for an environment that has them.
    new iam.PolicyStatement({
      actions: ['ec2:DescribeTags', 'ec2:DescribeImages', 'ec2:DescribeSnapshots', ...target.snapshotDataVolumes ? ['ec2:DescribeVolumes'] : []],
      resources: ['*'],
    }),
    // Grants of any key in the region that encrypts a released AMI (the build account's, usually),
    // only to this account's Auto Scaling service-linked role, only for what it needs to launch.
    new iam.PolicyStatement({
      actions: ['kms:CreateGrant'],
      resources: [arns.keys],
      conditions: {
        'StringEquals': { 'kms:GranteePrincipal': autoScalingServiceRoleArn(scope, target) },
        'ForAllValues:StringEquals': { 'kms:GrantOperations': AUTO_SCALING_GRANT_OPERATIONS },
      },
    }),
    ...dataSnapshotStatements(target, arns),
  ];
}

/** Adds `releaseRolePolicyStatements` to a role, acknowledging the wildcards they need. */
export function grantReleasePermissions(role: iam.Role, target: ReleaseTarget): void {
  releaseRolePolicyStatements(role, target).forEach((statement) => role.addToPrincipalPolicy(statement));
  const arns = targetArns(role, target);
  const acknowledge = (resource: string, reason: string) => acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, resource)}]`, reason);
  acknowledge(arns.stack, `The wildcard in a stack ARN stands for the stack id, which a release cannot know; the name pins it to stack ${target.stackName}`);
  acknowledge(arns.images, 'CreateTags is limited by condition to the release tag keys and requires the in-use tag, DeleteTags to the in-use tag keys '
    + 'of this application\'s AMIs, DeregisterImage to this application\'s Image Builder AMIs without an in-use tag; the AMI differs per release');
  acknowledge(arns.snapshots, 'DeleteSnapshot is limited by condition to Image Builder\'s snapshots, those of a retired AMI that the release deregisters'
    + (target.snapshotDataVolumes ? '; CreateSnapshot and its CreateTags to snapshots tagged as this stack\'s data, with the data snapshot tag keys' : ''));
  if (target.snapshotDataVolumes) {
    acknowledge(arns.volumes, `CreateSnapshot is limited by condition to the volumes tagged as the data volumes of stack ${target.stackName}`);
  }
  acknowledge(arns.keys, 'CreateGrant is limited by condition to this account\'s Auto Scaling service-linked role and the operations it needs to launch '
    + 'encrypted AMIs; the key is whichever encrypts the released AMI, usually the build account\'s');
}

function targetArns(scope: IConstruct, target: ReleaseTarget) {
  const stack = Stack.of(scope);
  const at = { account: target.account, region: target.region };
  const parameter = (name: string) => stack.formatArn({ ...at, service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') });
  return {
    stack: stack.formatArn({ ...at, service: 'cloudformation', resource: 'stack', resourceName: `${target.stackName}/*` }),
    ledger: ledgerNames(target).map(parameter),
    // Images have no account in their ARN.
    images: stack.formatArn({ region: target.region, account: '', service: 'ec2', resource: 'image', resourceName: '*' }),
    snapshots: stack.formatArn({ region: target.region, account: '', service: 'ec2', resource: 'snapshot', resourceName: '*' }),
    volumes: stack.formatArn({ ...at, service: 'ec2', resource: 'volume', resourceName: '*' }),
    keys: stack.formatArn({ region: target.region, account: '*', service: 'kms', resource: 'key', resourceName: '*' }),
  };
}

/** Synth-time errors for what would fail at release time, each naming the bad value. */
function validateReleaseWorkflow(props: ReleaseWorkflowProps, timeout: Duration): void {
  validateEnvironmentName(props.environmentName);
  if (timeout.toSeconds() < MIN_TIMEOUT.toSeconds() || timeout.toSeconds() > MAX_TIMEOUT.toSeconds()) {
    throw new Error(`timeout must be between ${MIN_TIMEOUT.toHumanString()} and ${MAX_TIMEOUT.toHumanString()}, got ${timeout.toHumanString()}`);
  }
  // The stack names the environment's in-use tag key, a literal in the definition and the role's conditions.
  if (Token.isUnresolved(props.target.stackName)) {
    throw new Error(`The release target's stackName must be a literal, as it names the environment's in-use tag; got a token for environment ${props.environmentName}`);
  }
  validateRecordedInstanceType(props.target);
  // Each name is a literal in the definition's JSONPath filters and the role's ARNs.
  for (const name of ledgerNames(props.target)) {
    if (Token.isUnresolved(name) || !/^\/?[a-zA-Z0-9_.-]+(\/[a-zA-Z0-9_.-]+)*$/.test(name)) {
      throw new Error(`Ledger parameter names must be literal SSM parameter names (letters, digits, '_', '.', '-' and '/'), got '${name}'`);
    }
  }
}

/** A target records its instance type with every part of it (literal), or not at all. */
function validateRecordedInstanceType(target: ReleaseTarget): void {
  const recording = {
    instanceType: target.instanceType,
    instanceTypeParameterName: target.instanceTypeParameterName,
    architectureParameterName: target.architectureParameterName,
  };
  if (Object.values(recording).every((value) => value === undefined)) return;
  const missing = Object.entries({ ...recording, architecture: target.architecture })
    .filter(([, value]) => value === undefined).map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(`The release target of stack ${target.stackName} records its instance type, which needs instanceType, architecture, `
      + `instanceTypeParameterName and architectureParameterName: give ${missing.join(' and ')} too, or none of the first three`);
  }
  if (Token.isUnresolved(target.instanceType) || !/^[a-z0-9-]+\.[a-z0-9-]+$/.test(target.instanceType!)) {
    throw new Error(`The release target's instanceType must be a literal instance type such as t4g.small, got '${target.instanceType}' for stack ${target.stackName}`);
  }
}
