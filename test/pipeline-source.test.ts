import { App, Stack, aws_codecommit as codecommit, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_s3 as s3 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { onlyOfType, resourcesOfType } from './helpers/deployment-stack';
import { awsSolutionsFindings } from './helpers/nag';
import { PipelineSource } from '../src/pipeline-source';

/** A bucket as a team would make it for sources: versioned, encrypted, private, TLS only. */
const sourcesBucketProps: s3.BucketProps = {
  versioned: true, encryption: s3.BucketEncryption.S3_MANAGED, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, enforceSSL: true,
};

const CONNECTION = 'arn:aws:codestar-connections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718';

/** A V2 pipeline with the source's action and trigger, and a second stage that reads its output. */
function pipelineFrom(sourceIn: (stack: Stack) => PipelineSource) {
  const stack = new Stack(new App(), 'Pipeline', { env: { account: '111111111111', region: 'eu-west-1' } });
  const source = sourceIn(stack);
  const output = new codepipeline.Artifact('Source');
  const binding = source._bind(output);
  const pipeline = new codepipeline.Pipeline(stack, 'Pipeline', {
    pipelineType: codepipeline.PipelineType.V2,
    stages: [
      { stageName: 'Source', actions: [binding.action] },
      { stageName: 'Next', actions: [new actions.ManualApprovalAction({ actionName: 'Look' })] },
    ],
    triggers: binding.trigger && [binding.trigger],
  });
  source._startOnChange(pipeline);
  return { stack, pipeline, template: Template.fromStack(stack) };
}

describe('PipelineSource', () => {
  test('given a connection, then the source action reads the branch, exports its variables as Source, and may use the connection under both prefixes', () => {
    const { template } = pipelineFrom(() => PipelineSource.connection({ connectionArn: CONNECTION, owner: 'my-org', repository: 'web', branch: 'main' }));
    const action = onlyOfType(template, 'AWS::CodePipeline::Pipeline').Properties.Stages[0].Actions[0];

    expect(action).toMatchObject({
      ActionTypeId: { Provider: 'CodeStarSourceConnection' },
      Namespace: 'Source',
      Configuration: { ConnectionArn: CONNECTION, FullRepositoryId: 'my-org/web', BranchName: 'main' },
    });
    const statements = resourcesOfType(template, 'AWS::IAM::Policy').flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['codeconnections:UseConnection', 'codestar-connections:UseConnection'],
      Resource: [CONNECTION.replace('codestar-connections', 'codeconnections'), CONNECTION],
    }));
  });

  test('given file path filters, then a V2 trigger starts the pipeline only for pushes to the branch that change those paths', () => {
    const { template } = pipelineFrom(() => PipelineSource.connection({
      connectionArn: CONNECTION, owner: 'my-org', repository: 'web', branch: 'main', triggerOnFilePaths: ['app/**', 'buildspec.yml'],
    }));
    const pipeline = onlyOfType(template, 'AWS::CodePipeline::Pipeline').Properties;

    expect(pipeline.Triggers).toEqual([{
      ProviderType: 'CodeStarSourceConnection',
      GitConfiguration: {
        SourceActionName: 'Source',
        Push: [{ Branches: { Includes: ['main'] }, FilePaths: { Includes: ['app/**', 'buildspec.yml'] } }],
      },
    }]);
    expect(pipeline.Stages[0].Actions[0].Configuration.DetectChanges).toBe(false);
  });

  test('given a CodeCommit repository, then the source action reads its branch and exports its variables as Source', () => {
    const { template } = pipelineFrom((stack) =>
      PipelineSource.codeCommit({ repository: codecommit.Repository.fromRepositoryName(stack, 'Repo', 'web'), branch: 'main' }));

    expect(onlyOfType(template, 'AWS::CodePipeline::Pipeline').Properties.Stages[0].Actions[0]).toMatchObject({
      ActionTypeId: { Provider: 'CodeCommit' }, Namespace: 'Source', Configuration: { RepositoryName: 'web', BranchName: 'main' },
    });
  });

  test('given an S3 object, then the source action reads it without polling, and a rule on the object\'s EventBridge events starts the pipeline, without CloudTrail', () => {
    const { template, stack } = pipelineFrom((scope) => PipelineSource.s3({ bucket: s3.Bucket.fromBucketName(scope, 'Sources', 'web-sources'), key: 'web/source.zip' }));

    expect(onlyOfType(template, 'AWS::CodePipeline::Pipeline').Properties.Stages[0].Actions[0]).toMatchObject({
      ActionTypeId: { Provider: 'S3' }, Namespace: 'Source', Configuration: { S3Bucket: 'web-sources', S3ObjectKey: 'web/source.zip', PollForSourceChanges: false },
    });
    const rule = onlyOfType(template, 'AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({
      'source': ['aws.s3'], 'detail-type': ['Object Created'], 'detail': { bucket: { name: ['web-sources'] }, object: { key: ['web/source.zip'] } },
    });
    expect(JSON.stringify(rule.Properties.Targets[0].Arn)).toContain('codepipeline');
    // An imported bucket's events are the owner's to turn on: synthesis says so.
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('turn them on .*put-bucket-notification-configuration --bucket web-sources'))).toHaveLength(1);
  });

  test('given an S3 object in a bucket of this app, then its EventBridge events are turned on, and cdk-nag finds nothing unacknowledged', () => {
    const { template, stack } = pipelineFrom((scope) => PipelineSource.s3({ bucket: new s3.Bucket(scope, 'Sources', sourcesBucketProps), key: 'web/source.zip' }));

    expect(onlyOfType(template, 'Custom::S3BucketNotifications').Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: {} });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    // aws-cdk-lib's handler that turns them on is acknowledged; the bucket itself is the test's.
    expect(resourcesOfType(template, 'AWS::Lambda::Function')).toHaveLength(1);
    expect(awsSolutionsFindings(stack.node.root as App).filter((finding) => finding.path.includes('BucketNotificationsHandler'))).toEqual([]);
  });

  test('given each kind of source, then a restart on a past revision names it as a commit, or as an object version for S3', () => {
    const stack = new Stack();
    expect([
      PipelineSource.connection({ connectionArn: CONNECTION, owner: 'my-org', repository: 'web', branch: 'main' }),
      PipelineSource.codeCommit({ repository: codecommit.Repository.fromRepositoryName(stack, 'Repo', 'web'), branch: 'main' }),
      PipelineSource.s3({ bucket: s3.Bucket.fromBucketName(stack, 'Sources', 'web-sources'), key: 'web/source.zip' }),
    ].map((source) => source._revisionType)).toEqual(['COMMIT_ID', 'COMMIT_ID', 'S3_OBJECT_VERSION_ID']);
  });

  describe('bad input', () => {
    const connection = { connectionArn: CONNECTION, owner: 'my-org', repository: 'web', branch: 'main' };

    test.each([
      ['an empty branch', { branch: '' }, "The branch of repository my-org/web must be a branch name without spaces, got ''"],
      ['a branch with a space', { branch: 'release 1' }, "The branch of repository my-org/web must be a branch name without spaces, got 'release 1'"],
      ['an owner/repository in one', { repository: 'my-org/web' }, "PipelineSource.connection repository must be one name without '/', got 'my-org/web'"],
      ['a GitHub URL for a connection', { connectionArn: 'https://github.com/my-org/web' },
        'PipelineSource.connection connectionArn must be a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>), '
        + "got 'https://github.com/my-org/web'"],
      ['no file path patterns', { triggerOnFilePaths: [] },
        'PipelineSource.connection triggerOnFilePaths must name at least one pattern, or be left out to trigger on any change'],
    ])('given a connection with %s, then it fails naming the value', (_case, overrides, message) => {
      expect(() => PipelineSource.connection({ ...connection, ...overrides })).toThrow(message);
    });

    test('given a CodeCommit repository without a branch, then it fails naming the repository', () => {
      const repository = codecommit.Repository.fromRepositoryName(new Stack(), 'Repo', 'web');
      expect(() => PipelineSource.codeCommit({ repository, branch: ' ' })).toThrow("The branch of CodeCommit repository Default/Repo must be a branch name without spaces, got ' '");
    });

    test('given an S3 key with a leading slash, then it fails naming the key', () => {
      const bucket = s3.Bucket.fromBucketName(new Stack(), 'Sources', 'web-sources');
      expect(() => PipelineSource.s3({ bucket, key: '/web/source.zip' })).toThrow("PipelineSource.s3 key must be an object key without a leading '/', got '/web/source.zip'");
    });
  });
});
