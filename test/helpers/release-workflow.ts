import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LocalExecution, TaskFailure, TaskFake, runLocally, stateMachineDefinition, withJsonataPassStatesAsTasks } from '../../scripts/lib/local-state-machine';
import { AslDefinition } from '../../scripts/lib/state-machines';
import { ReleaseWorkflow, ReleaseWorkflowProps } from '../../src/private/release/release-workflow';
import { ReleaseTarget } from '../../src/release-target';

// A release into stack web-prod, and fakes of every call the release workflow makes to it.
// aws-local-stepfunctions 3 runs JSONPath only, so the JSONata states are evaluated with the
// jsonata engine itself (see runRelease).

export const ACCOUNT = '111111111111';
export const TARGET_ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';
export const STACK = 'web-prod';
export const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK}/6a7e8feb-b491-4cf7-a9f1-bf3703467718`;
export const RELEASE_ROLE = `arn:aws:iam::${TARGET_ACCOUNT}:role/web-prod-release`;
/** The environment's release stack update, the only way a release updates its stack. */
export const STACK_UPDATE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:web-prod-release-stack-update`;
export const PREFIX = '/immutable-servers/web/prod/release';
/** When the local runs of a release happen. */
export const NOW = new Date('2027-03-01T12:00:00Z');

export interface Release {
  readonly amiId: string;
  readonly version: string;
  readonly commitId: string;
  readonly commitMessage: string;
  readonly pipelineExecutionId: string;
  readonly contentHash: string;
  readonly fingerprint: string;
}
export const FIELDS: Array<keyof Release> = ['amiId', 'version', 'commitId', 'commitMessage', 'pipelineExecutionId', 'contentHash', 'fingerprint'];
export const NAMES: Release = {
  amiId: `${PREFIX}/ami`,
  version: `${PREFIX}/version`,
  commitId: `${PREFIX}/commit-id`,
  commitMessage: `${PREFIX}/commit-message`,
  pipelineExecutionId: `${PREFIX}/pipeline-execution-id`,
  contentHash: `${PREFIX}/content-hash`,
  fingerprint: `${PREFIX}/fingerprint`,
};
export const PREVIOUS: Release = {
  amiId: 'ami-0fedcba9876543210',
  version: '1.4.1',
  commitId: '3f786850e387550fdab836ed7e6dc881de23001b',
  commitMessage: 'Log slow requests',
  pipelineExecutionId: '8d1c2b3a-0000-4000-8000-000000000001',
  contentHash: 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
  fingerprint: 'f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f',
};
/** The release before PREVIOUS, which the ledger labels previous-release until RELEASE retires it. */
export const EARLIER: Release = {
  amiId: 'ami-0a0b0c0d0e0f01234',
  version: '1.4.0',
  commitId: 'b6589fc6ab0dc82cf12099d1c2d40ab994e8410c',
  commitMessage: 'Add the /health route',
  pipelineExecutionId: '8d1c2b3a-0000-4000-8000-000000000000',
  contentHash: '0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c',
  fingerprint: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b',
};
export const RELEASE: Release = {
  amiId: 'ami-0123456789abcdef0',
  version: '1.4.2',
  commitId: '89e6c98d92887913cadf06b2adb97f26cde4849b',
  commitMessage: 'Serve /health from the new router',
  pipelineExecutionId: '8d1c2b3a-0000-4000-8000-000000000002',
  contentHash: 'c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3',
  fingerprint: '5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
};

export function target(overrides: Partial<ReleaseTarget> = {}): ReleaseTarget {
  return {
    stackName: STACK,
    applicationName: 'web',
    account: ACCOUNT,
    region: REGION,
    amiParameterName: NAMES.amiId,
    versionParameterName: NAMES.version,
    commitIdParameterName: NAMES.commitId,
    commitMessageParameterName: NAMES.commitMessage,
    pipelineExecutionIdParameterName: NAMES.pipelineExecutionId,
    contentHashParameterName: NAMES.contentHash,
    fingerprintParameterName: NAMES.fingerprint,
    stackUpdateStateMachineArn: STACK_UPDATE,
    alarmNames: ['web-prod-unhealthy-hosts'],
    ...overrides,
  };
}

export function workflowStack(props: Partial<ReleaseWorkflowProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: { account: ACCOUNT, region: REGION } });
  new ReleaseWorkflow(stack, 'Release', { environmentName: 'prod', target: target(), ...props });
  return { app, stack };
}

export function workflowDefinition(props: Partial<ReleaseWorkflowProps> = {}): AslDefinition {
  return stateMachineDefinition(Template.fromStack(workflowStack(props).stack).toJSON());
}

/**
 * Runs a release locally: its JSONata states (picking the manifest's AMI, a retired AMI's age) are
 * evaluated with the JSONata engine, as of `now`; the rest, JSONPath, runs in aws-local-stepfunctions.
 */
export async function runRelease(definition: AslDefinition, input: Release | Record<string, unknown>,
  fakes: Record<string, TaskFake>, now: Date = NOW): Promise<LocalExecution> {
  expect(definition.States[definition.StartAt]).toMatchObject({ Type: 'Pass', QueryLanguage: 'JSONata' });
  const local = withJsonataPassStatesAsTasks(definition, () => now);
  return runLocally(local.definition, input, { ...fakes, ...local.fakes });
}

/**
 * The ledger after an execution: the previous release, then every PutParameter in order (writes
 * come before restores), except those of the tasks in `failed`, whose fakes always throw.
 */
export function finalLedger(execution: LocalExecution, failed: string[] = []): Record<string, string> {
  const ledger = ledgerOf(PREVIOUS);
  const puts = ['PutLedgerParameter', 'RestoreLedgerParameter'].filter((task) => !failed.includes(task)).flatMap((task) => execution.calls[task] ?? []);
  for (const put of puts as any[]) {
    expect(put).toEqual({ Name: put.Name, Value: put.Value, Type: 'String', DataType: 'text', Overwrite: true });
    ledger[put.Name] = put.Value;
  }
  return ledger;
}

export function ledgerOf(values: Release): Record<string, string> {
  return Object.fromEntries(FIELDS.map((field) => [NAMES[field], values[field]]));
}

/** GetParameters as Systems Manager answers it: in no particular order. */
export function ledgerHolding(values: Release, missing: string[] = []): TaskFake {
  return (input) => ({
    Parameters: (input.Names as string[]).filter((name) => !missing.includes(name)).reverse().map((name) => ({
      Name: name,
      Type: 'String',
      DataType: 'text',
      Version: 7,
      LastModifiedDate: '2025-01-01T12:00:00Z',
      Value: ledgerOf(values)[name],
      ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`,
    })),
    InvalidParameters: missing,
  });
}

export function stackIn(...statuses: string[]): TaskFake {
  return () => ({
    Stacks: [{
      StackId: STACK_ID,
      StackName: STACK,
      StackStatus: statuses.length > 1 ? statuses.shift() : statuses[0],
      Parameters: [
        { ParameterKey: 'LedgerAmi3F1D2B7C', ParameterValue: NAMES.amiId, ResolvedValue: PREVIOUS.amiId },
        { ParameterKey: 'LedgerVersion8E2A4C1D', ParameterValue: NAMES.version, ResolvedValue: PREVIOUS.version },
        { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version', ResolvedValue: '30' },
      ],
    }],
  });
}

/** Fails the first `times` calls with `error`, then answers as `then` does. */
export function failing(times: number, error: () => TaskFailure, then: TaskFake): TaskFake {
  let failures = 0;
  return (input) => {
    if (failures < times) {
      failures += 1;
      throw error();
    }
    return then(input);
  };
}

export const cloudFormationError = (message: string) => () => new TaskFailure('CloudFormation.CloudFormationException',
  `${message} (Service: CloudFormation, Status Code: 400, Error Code: ValidationError, Request ID: 0f2c7a8e-1b2c-4d5e-8f90-123456789abc)`);
export const throttled = (service: string, exception: string) => () => new TaskFailure(`${service}.${exception}`,
  `Rate exceeded (Service: ${service}, Status Code: 400, Error Code: Throttling)`);

export interface TargetBehaviour {
  /** What DescribeStacks says while the workflow waits for the update, in turn; the last repeats. */
  readonly statuses?: string[];
  /**
   * What the release stack update's own `UpdateStack` does, given its client request token:
   * answers, or throws the `TaskFailure` that ends the stack update's execution.
   */
  readonly update?: (token: string) => unknown;
  /** The stack's events, given the update's client request token. */
  readonly events?: (token: string) => unknown[];
  /** What DescribeStacks says while the workflow waits for the rollback of a cancelled update. */
  readonly rollback?: string[];
}

/** Fakes of every call to the target, which behaves as `behaviour` says. */
export function targetFakes(behaviour: TargetBehaviour = {}): Record<string, TaskFake> {
  let token = '';
  return {
    // An AMI whose one snapshot is not encrypted: no key to grant.
    ReadImageSnapshots: imageWithSnapshots(['snap-0a1b2c3d4e5f60718']),
    ReadImageSnapshotKeys: snapshotsEncryptedWith([undefined], ['snap-0a1b2c3d4e5f60718']),
    GrantImageKey: () => ({ GrantId: '0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60', GrantToken: 'AQpAM2RhZTk1MGMyNTk2ZmZm' }),
    DescribeStack: stackIn('UPDATE_COMPLETE'),
    ReadLedger: ledgerHolding(PREVIOUS),
    PutLedgerParameter: () => ({ Version: 8, Tier: 'Standard' }),
    UpdateStack: (input) => {
      token = JSON.parse(input.Input).clientRequestToken;
      return stackUpdateExecution(input, () => (behaviour.update ?? (() => ({ StackId: STACK_ID })))(token));
    },
    DescribeUpdate: stackIn(...behaviour.statuses ?? ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE']),
    DescribeStackEvents: () => ({ StackEvents: (behaviour.events ?? (() => []))(token) }),
    CancelUpdate: () => ({}),
    DescribeRollback: stackIn(...behaviour.rollback ?? ['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE']),
    RestoreLedgerParameter: () => ({ Version: 9, Tier: 'Standard' }),
    TagAmi: () => ({}),
    // The ledger labels EARLIER previous-release: the release retires it.
    ReadRetiringVersion: labelledLedger(EARLIER),
    ReadRetiringAmi: labelledLedger(EARLIER),
    UntagRetiredAmi: () => ({}),
    // No other environment's in-use tag on the retired AMI.
    ReadRetiredAmiUsers: () => ({ Tags: [] }),
    UntagRetiredAmiShared: () => ({}),
    // Created a month before the release: younger than the lifecycle policy's deletion age.
    ReadRetiredAmiCreation: (input) => ({ Images: [{ ImageId: input.ImageIds[0], CreationDate: '2027-02-01T12:00:00.000Z', State: 'available' }] }),
    DeregisterRetiredAmi: () => ({ Return: true }),
    LabelPreviousReleaseVersion: () => ({ InvalidLabels: [] }),
    LabelCurrentReleaseVersion: () => ({ InvalidLabels: [] }),
    ReadPreviousReleaseParameter: labelledLedger(PREVIOUS),
  };
}

/**
 * StartSyncExecution of the release stack update, as Step Functions answers it: the execution
 * succeeded with the stack's id, or failed with the error and cause its `UpdateStack` call threw.
 */
export function stackUpdateExecution(input: any, updateStack: () => unknown): unknown {
  const execution = {
    ExecutionArn: `${input.StateMachineArn.replace(':stateMachine:', ':express:')}:release:0f2c7a8e`,
    StateMachineArn: input.StateMachineArn,
    StartDate: NOW.toISOString(),
    StopDate: NOW.toISOString(),
    Input: input.Input,
  };
  try {
    updateStack();
    return { ...execution, Status: 'SUCCEEDED', Output: JSON.stringify({ stackId: STACK_ID }) };
  } catch (error) {
    if (!(error instanceof TaskFailure)) throw error;
    return { ...execution, Status: 'FAILED', Error: error.error, Cause: error.message };
  }
}

/** DescribeImages of the released AMI, with one EBS block device per snapshot and an instance store volume. */
export function imageWithSnapshots(snapshotIds: string[]): TaskFake {
  return (input) => ({
    Images: [{
      ImageId: input.ImageIds[0],
      State: 'available',
      BlockDeviceMappings: [
        ...snapshotIds.map((snapshotId, index) => ({ DeviceName: `/dev/xvd${'abcdefgh'[index]}`, Ebs: { SnapshotId: snapshotId, VolumeSize: 8, VolumeType: 'gp3' } })),
        { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
      ],
    }],
  });
}

/**
 * DescribeSnapshots of one snapshot of the AMI: the snapshot at index i of the AMI's is encrypted
 * with the key at index i, or not encrypted (undefined).
 */
export function snapshotsEncryptedWith(keyArns: Array<string | undefined>, snapshotIds: string[]): TaskFake {
  return (input) => ({
    Snapshots: (input.SnapshotIds as string[]).map((snapshotId) => {
      const keyArn = keyArns[snapshotIds.indexOf(snapshotId)];
      return { SnapshotId: snapshotId, State: 'completed', Encrypted: keyArn !== undefined, ...keyArn === undefined ? {} : { KmsKeyId: keyArn } };
    }),
  });
}

/** GetParameter of `<name>:previous-release`, as Systems Manager answers it when the ledger labels `values` so. */
export function labelledLedger(values: Release): TaskFake {
  return (input) => {
    const [name, label] = (input.Name as string).split(':');
    return { Parameter: { Name: name, Selector: `:${label}`, Type: 'String', DataType: 'text', Version: 5, Value: ledgerOf(values)[name] } };
  };
}
