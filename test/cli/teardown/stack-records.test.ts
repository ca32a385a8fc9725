import {
  CloudFormationClient, ListStackResourcesCommand, ListStacksCommand, ResourceStatus, StackResourceSummary, StackStatus, StackSummary,
} from '@aws-sdk/client-cloudformation';
import { LeftoverKind } from '../../../src/cli/teardown/leftover';
import { leftoverOf, readStackRecords } from '../../../src/cli/teardown/stack-records';

const STACK_ARN = 'arn:aws:cloudformation:eu-west-1:111111111111:stack';

/**
 * CloudFormation's records as its API reference describes them: ListStacks lists deleted stacks
 * (DELETE_COMPLETE) beside the others, and ListStackResources answers for a deleted stack by its
 * id only, with every resource it had, retained ones DELETE_SKIPPED.
 */
class FakeCloudFormation extends CloudFormationClient {
  public readonly resourceListings: string[] = [];

  constructor(private readonly stacks: StackSummary[], private readonly resources: Record<string, StackResourceSummary[]>) {
    super({ region: 'eu-west-1' });
  }

  public override send(command: any): Promise<any> {
    if (command instanceof ListStacksCommand) return Promise.resolve({ StackSummaries: this.stacks });
    if (command instanceof ListStackResourcesCommand) {
      this.resourceListings.push(command.input.StackName!);
      const resources = this.resources[command.input.StackName!];
      return resources ? Promise.resolve({ StackResourceSummaries: resources }) : Promise.reject(new Error(`Stack with id ${command.input.StackName} does not exist`));
    }
    return Promise.reject(new Error(`unexpected ${command.constructor.name}`));
  }
}

function stack(name: string, status: StackStatus, uuid: string): StackSummary {
  return { StackName: name, StackStatus: status, StackId: `${STACK_ARN}/${name}/${uuid}`, CreationTime: new Date() };
}

function resource(type: string, physicalId: string, status: ResourceStatus = 'DELETE_SKIPPED'): StackResourceSummary {
  return { ResourceType: type, PhysicalResourceId: physicalId, LogicalResourceId: 'Id', ResourceStatus: status, LastUpdatedTimestamp: new Date() };
}

describe('readStackRecords', () => {
  test('given a stack of the assembly in any status but DELETE_COMPLETE, then it counts as deployed, and other stacks do not count', async () => {
    const cloudFormation = new FakeCloudFormation([
      stack('WebPipeline', 'UPDATE_ROLLBACK_COMPLETE', 'a'),
      stack('Web-prod', 'DELETE_FAILED', 'b'),
      stack('SomeoneElse', 'CREATE_COMPLETE', 'c'),
    ], {});

    const records = await readStackRecords(cloudFormation, ['WebPipeline', 'Web-prod']);

    expect(records.deployed).toEqual([{ name: 'WebPipeline', status: 'UPDATE_ROLLBACK_COMPLETE' }, { name: 'Web-prod', status: 'DELETE_FAILED' }]);
    expect(records.resources).toEqual([]);
  });

  test('given a deleted stack with a nested stack, then the resources of both are read by stack id, as the top-level stack\'s', async () => {
    const deleted = stack('WebPipeline', 'DELETE_COMPLETE', 'a');
    const nestedId = `${STACK_ARN}/WebPipeline-ReleaseNestedStack-1ABC/d`;
    const cloudFormation = new FakeCloudFormation([deleted], {
      [deleted.StackId!]: [
        resource('AWS::S3::Bucket', 'webpipeline-archives-1abc'),
        resource('AWS::CodeBuild::Project', 'PipelineBuild-XYZ', 'DELETE_COMPLETE'),
        resource('AWS::CloudFormation::Stack', nestedId, 'DELETE_COMPLETE'),
      ],
      [nestedId]: [resource('AWS::Logs::LogGroup', '/aws/vendedlogs/states/release-logs')],
    });

    const records = await readStackRecords(cloudFormation, ['WebPipeline']);

    expect(records.resources).toEqual([
      { type: 'AWS::S3::Bucket', logicalId: 'Id', physicalId: 'webpipeline-archives-1abc', status: 'DELETE_SKIPPED', stackName: 'WebPipeline' },
      { type: 'AWS::CodeBuild::Project', logicalId: 'Id', physicalId: 'PipelineBuild-XYZ', status: 'DELETE_COMPLETE', stackName: 'WebPipeline' },
      { type: 'AWS::Logs::LogGroup', logicalId: 'Id', physicalId: '/aws/vendedlogs/states/release-logs', status: 'DELETE_SKIPPED', stackName: 'WebPipeline' },
    ]);
    expect(cloudFormation.resourceListings).toEqual([deleted.StackId, nestedId]);
  });

  test('given a stack deleted, created again and deleted again, then both incarnations\' records are read', async () => {
    const first = stack('Web-prod', 'DELETE_COMPLETE', 'first');
    const second = stack('Web-prod', 'DELETE_COMPLETE', 'second');
    const cloudFormation = new FakeCloudFormation([first, second], {
      [first.StackId!]: [resource('AWS::Logs::LogGroup', 'logs-of-the-first')],
      [second.StackId!]: [resource('AWS::Logs::LogGroup', 'logs-of-the-second')],
    });

    const records = await readStackRecords(cloudFormation, ['Web-prod']);

    expect(records.resources.map((recorded) => recorded.physicalId)).toEqual(['logs-of-the-first', 'logs-of-the-second']);
  });

  test('given a resource without a physical id (it was never created), then it is not recorded', async () => {
    const deleted = stack('WebPipeline', 'DELETE_COMPLETE', 'a');
    const cloudFormation = new FakeCloudFormation([deleted], { [deleted.StackId!]: [{ ...resource('AWS::S3::Bucket', ''), PhysicalResourceId: undefined }] });

    expect((await readStackRecords(cloudFormation, ['WebPipeline'])).resources).toEqual([]);
  });
});

describe('leftoverOf', () => {
  const recorded = (type: string, physicalId: string, status = 'DELETE_SKIPPED') => ({ type, logicalId: 'Id', physicalId, status, stackName: 'WebPipeline' });

  test.each([
    ['AWS::S3::Bucket', 'webpipeline-archives-1abc', LeftoverKind.BUCKET, 'webpipeline-archives-1abc'],
    ['AWS::Logs::LogGroup', '/aws/vendedlogs/states/bake', LeftoverKind.LOG_GROUP, '/aws/vendedlogs/states/bake'],
    ['AWS::KMS::Key', '1234abcd-12ab-34cd-56ef-1234567890ab', LeftoverKind.KMS_KEY, '1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['AWS::EC2::Volume', 'vol-0123456789abcdef0', LeftoverKind.DATA_VOLUME, 'vol-0123456789abcdef0'],
    ['AWS::Lambda::Function', 'WebprodLedger-AWS679f53fac002-1A2B', LeftoverKind.LOG_GROUP, '/aws/lambda/WebprodLedger-AWS679f53fac002-1A2B'],
    ['AWS::CodeBuild::Project', 'PipelineBuild-XYZ', LeftoverKind.LOG_GROUP, '/aws/codebuild/PipelineBuild-XYZ'],
  ])('given a deleted stack\'s %s as CloudFormation leaves it (retained; a function or project deleted), then what may be left of it is looked for', (type, physicalId, kind, id) => {
    const status = type === 'AWS::Lambda::Function' || type === 'AWS::CodeBuild::Project' ? 'DELETE_COMPLETE' : 'DELETE_SKIPPED';
    expect(leftoverOf(recorded(type, physicalId, status))).toEqual(expect.objectContaining({ kind, id }));
  });

  test.each(['AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::EC2::Volume'])('given a deleted stack\'s %s that CloudFormation deleted too, then nothing is looked for: its name may be someone else\'s now', (type) => {
    expect(leftoverOf(recorded(type, 'reused-name', 'DELETE_COMPLETE'))).toBeUndefined();
  });

  test('given resources CloudFormation deletes with the stack and leaves nothing of, then nothing is looked for', () => {
    expect(leftoverOf(recorded('AWS::SNS::Topic', 'arn:aws:sns:eu-west-1:111111111111:builds'))).toBeUndefined();
    expect(leftoverOf(recorded('AWS::StepFunctions::StateMachine', 'arn:aws:states:eu-west-1:111111111111:stateMachine:bake'))).toBeUndefined();
  });
});
