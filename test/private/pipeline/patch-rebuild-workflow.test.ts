import { App, aws_codepipeline as codepipeline, aws_ec2 as ec2, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LocalExecution, TaskFailure, TaskFake, runLocally, stateMachineDefinition, withJsonataPassStatesAsTasks } from '../../../scripts/lib/local-state-machine';
import { AslDefinition } from '../../../scripts/lib/state-machines';
import { ApplicationImageRecipe, BaseImage } from '../../../src';
import { PATCH_REBUILD_RETRIED_ERRORS, PatchRebuildWorkflow, SourceRevisionType } from '../../../src/private/pipeline/patch-rebuild-workflow';
import { awsSolutionsFindings } from '../../helpers/nag';
import { recipeStack } from '../../helpers/recipe-stack';

const PIPELINE = 'web-pipeline';
const RELEASED_COMMIT = '3f2c9a1e5b7d4c6a8e0f1b2d3c4e5f6a7b8c9d0e';
const RELEASE_EXECUTION = 'a1b2c3d4-0000-4000-8000-000000000001';
const REBUILD_EXECUTION = 'a1b2c3d4-0000-4000-8000-000000000002';

const CONTENT_HASH = '4f0b8e2a7c1d9e3f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f';
const RELEASED_IMAGE = 'arn:aws:imagebuilder:eu-west-1:111111111111:image/web-1a2b/1.0.0/1';

function patchRebuildStack(revisionType: SourceRevisionType = 'COMMIT_ID') {
  const { stack, recipe } = recipeStack({}, undefined, { env: { account: '111111111111', region: 'eu-west-1' } });
  const workflow = new PatchRebuildWorkflow(stack, 'PatchRebuild', {
    pipeline: codepipeline.Pipeline.fromPipelineArn(stack, 'Web', `arn:aws:codepipeline:eu-west-1:111111111111:${PIPELINE}`),
    sourceActionName: 'Source',
    revisionType,
    lastStageName: 'prod',
    recipes: [recipe],
    packageAction: { stageName: 'Bake', actionName: 'Package' },
  });
  return { app: stack.node.root as App, stack, workflow };
}

/** The workflow of a pipeline that bakes for x86_64 and arm64. */
function twoArchitectureDefinition(): AslDefinition {
  const { stack, recipe } = recipeStack({}, undefined, { env: { account: '111111111111', region: 'eu-west-1' } });
  const arm = new ApplicationImageRecipe(stack, 'ArmImage', {
    applicationName: 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(stack, 'ArmArtifacts', 'artifacts'), key: 'web/web-1.0.0.tar.gz' },
    startCommand: '/opt/web/bin/server',
    baseImage: BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64),
  });
  new PatchRebuildWorkflow(stack, 'PatchRebuild', {
    pipeline: codepipeline.Pipeline.fromPipelineArn(stack, 'Web', `arn:aws:codepipeline:eu-west-1:111111111111:${PIPELINE}`),
    sourceActionName: 'Source',
    revisionType: 'COMMIT_ID',
    lastStageName: 'prod',
    recipes: [recipe, arm],
    packageAction: { stageName: 'Bake', actionName: 'Package' },
  });
  return stateMachineDefinition(Template.fromStack(stack).toJSON());
}

const definition = (revisionType?: SourceRevisionType) => stateMachineDefinition(Template.fromStack(patchRebuildStack(revisionType).stack).toJSON());

/** Runs the workflow locally, its JSONata states through the JSONata engine. */
function runPatch(patchDefinition: AslDefinition, fakes: Record<string, TaskFake>): Promise<LocalExecution> {
  const local = withJsonataPassStatesAsTasks(patchDefinition);
  return runLocally(local.definition, {}, { ...defaultFakes(), ...fakes, ...local.fakes });
}

/** The released execution's actions, the package step's with its content hash. */
const releasedBuild: TaskFake = () => ({
  ActionExecutionDetails: [
    { StageName: 'Source', ActionName: 'Source', Status: 'Succeeded', Output: { OutputVariables: { CommitId: RELEASED_COMMIT } } },
    { StageName: 'Bake', ActionName: 'Package', Status: 'Succeeded', Output: { OutputVariables: { CONTENT_HASH } } },
  ],
});

/** A release whose image still matches the parent image resolved now, with its only copy. */
function defaultFakes(): Record<string, TaskFake> {
  return {
    ReadReleasedBuild: releasedBuild,
    ResolveParentImage: () => ({ Image: { Arn: 'arn:aws:imagebuilder:eu-west-1:aws:image/amazon-linux-2023-x86/2027.1.11/1' } }),
    // Nothing carries the fingerprint: the parent image is newer than the released image's.
    FindBakedImage: () => ({ ResourceTagMappingList: [] }),
    ReadBakedImage: () => ({
      Image: { Arn: RELEASED_IMAGE, State: { Status: 'AVAILABLE' }, OutputResources: { Amis: [{ Region: 'eu-west-1', AccountId: '111111111111', Image: 'ami-0123456789abcdef0' }] } },
    }),
  };
}

/** ListPipelineExecutions answering with the executions that succeeded in the filter's stage, newest first. */
const releasedExecutions = (...revisions: string[]): TaskFake => () => ({
  PipelineExecutionSummaries: revisions.map((revision, index) => ({
    PipelineExecutionId: index === 0 ? RELEASE_EXECUTION : `older-${index}`,
    Status: 'Succeeded',
    SourceRevisions: [{ ActionName: 'Source', RevisionId: revision, RevisionSummary: 'Fix the health check' }],
  })),
});
const startPipeline: TaskFake = () => ({ PipelineExecutionId: REBUILD_EXECUTION });

describe('PatchRebuildWorkflow', () => {
  test('given a release through the last stage, then it starts the pipeline on that release\'s commit', async () => {
    const execution = await runPatch(definition(), { FindLastRelease: releasedExecutions(RELEASED_COMMIT, 'older-commit'), StartOnReleasedRevision: startPipeline });

    expect(execution.calls.FindLastRelease).toEqual([{ PipelineName: PIPELINE, Filter: { SucceededInStage: { StageName: 'prod' } }, MaxResults: 1 }]);
    expect(execution.calls.StartOnReleasedRevision).toEqual([{
      Name: PIPELINE,
      SourceRevisions: [{ ActionName: 'Source', RevisionType: 'COMMIT_ID', RevisionValue: RELEASED_COMMIT }],
    }]);
    expect(execution.output).toEqual({ outcome: 'STARTED', pipelineExecutionId: REBUILD_EXECUTION, revision: RELEASED_COMMIT, releasedBy: RELEASE_EXECUTION });
  });

  test('given an S3 source, then the override names the released object version', async () => {
    const version = 'Fq9b8KX3eYl1hN7Gdp6zqJZt5mVn0aR.';
    const execution = await runPatch(definition('S3_OBJECT_VERSION_ID'), { FindLastRelease: releasedExecutions(version), StartOnReleasedRevision: startPipeline });

    expect(execution.calls.StartOnReleasedRevision).toEqual([{
      Name: PIPELINE,
      SourceRevisions: [{ ActionName: 'Source', RevisionType: 'S3_OBJECT_VERSION_ID', RevisionValue: version }],
    }]);
  });

  test('given the released content\'s image is current (the parent image did not change), then it starts nothing, so asks no approval, and says so', async () => {
    const baked = () => ({ ResourceTagMappingList: [{ ResourceARN: RELEASED_IMAGE, Tags: [] }] });
    const execution = await runPatch(definition(), {
      FindLastRelease: releasedExecutions(RELEASED_COMMIT), FindBakedImage: baked, StartOnReleasedRevision: startPipeline,
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.ReadReleasedBuild).toEqual([{ PipelineName: PIPELINE, Filter: { PipelineExecutionId: RELEASE_EXECUTION } }]);
    expect(execution.calls.StartOnReleasedRevision).toBeUndefined();
    expect(execution.output).toEqual({
      outcome: 'NOTHING_NEW',
      reason: expect.stringMatching(new RegExp(`^The images of released revision ${RELEASED_COMMIT} are current: .* parent images are unchanged`)),
      revision: RELEASED_COMMIT,
      images: [{
        architecture: 'x86_64',
        current: true,
        imageBuildVersionArn: RELEASED_IMAGE,
        parentImage: 'arn:aws:imagebuilder:eu-west-1:aws:image/amazon-linux-2023-x86/2027.1.11/1',
      }],
    });
  });

  describe('given recipes for x86_64 and arm64', () => {
    const baked = () => ({ ResourceTagMappingList: [{ ResourceARN: RELEASED_IMAGE, Tags: [] }] });
    const perArchitecture = (fakes: Record<string, TaskFake>) => Object.fromEntries(Object.entries({ ...defaultFakes(), ...fakes })
      .flatMap(([name, fake]) => (['ReadReleasedBuild'].includes(name) ? [[name, fake]] : [[`x86_64-${name}`, fake], [`arm64-${name}`, fake]])));

    test('given both images current, then it starts nothing and lists both', async () => {
      const execution = await runPatch(twoArchitectureDefinition(), {
        ...perArchitecture({ FindBakedImage: baked }), FindLastRelease: releasedExecutions(RELEASED_COMMIT), StartOnReleasedRevision: startPipeline,
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.StartOnReleasedRevision).toBeUndefined();
      expect((execution.output as any).images).toMatchObject([{ architecture: 'x86_64', current: true }, { architecture: 'arm64', current: true }]);
    });

    test('given only the arm64 image stale (its parent image is newer), then it starts the pipeline on the released revision', async () => {
      const execution = await runPatch(twoArchitectureDefinition(), {
        ...perArchitecture({ FindBakedImage: baked }),
        'arm64-FindBakedImage': () => ({ ResourceTagMappingList: [] }),
        'FindLastRelease': releasedExecutions(RELEASED_COMMIT),
        'StartOnReleasedRevision': startPipeline,
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.StartOnReleasedRevision).toHaveLength(1);
      expect(execution.output).toMatchObject({ outcome: 'STARTED', revision: RELEASED_COMMIT });
    });
  });

  test('given the released execution\'s package step left no content hash, then it starts the pipeline rather than guess', async () => {
    const execution = await runPatch(definition(), {
      FindLastRelease: releasedExecutions(RELEASED_COMMIT),
      ReadReleasedBuild: () => ({ ActionExecutionDetails: [] }),
      StartOnReleasedRevision: startPipeline,
    });

    expect(execution.calls.FindBakedImage).toBeUndefined();
    expect(execution.output).toMatchObject({ outcome: 'STARTED', revision: RELEASED_COMMIT });
  });

  test('given nothing released through the last stage yet, then it starts nothing and says why', async () => {
    const execution = await runPatch(definition(), { FindLastRelease: releasedExecutions(), StartOnReleasedRevision: startPipeline });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.StartOnReleasedRevision).toBeUndefined();
    expect(execution.output).toEqual({
      outcome: 'NOTHING_RELEASED',
      reason: expect.stringMatching(/^No execution of the pipeline has succeeded in its last stage prod .* start the pipeline by hand\.$/),
    });
  });

  test('given a throttled call, then it retries it; given another error, then the execution fails with it', async () => {
    let calls = 0;
    const throttledOnce: TaskFake = (input) => {
      calls += 1;
      if (calls === 1) {
        throw new TaskFailure('CodePipeline.CodePipelineException', 'Rate exceeded');
      }
      return releasedExecutions(RELEASED_COMMIT)(input);
    };
    const retried = await runPatch(definition(), { FindLastRelease: throttledOnce, StartOnReleasedRevision: startPipeline });
    expect(retried.calls.FindLastRelease).toHaveLength(2);
    expect(retried.output).toMatchObject({ outcome: 'STARTED' });

    const denied = await runPatch(definition(), {
      FindLastRelease: releasedExecutions(RELEASED_COMMIT),
      StartOnReleasedRevision: () => {
        throw new TaskFailure('CodePipeline.PipelineNotFoundException', `The account with id '111111111111' does not include a pipeline with the name '${PIPELINE}'`);
      },
    });
    expect(denied).toMatchObject({ status: 'FAILED', error: 'CodePipeline.PipelineNotFoundException' });
    expect(denied.calls.StartOnReleasedRevision).toHaveLength(1);
  });

  test('retries CodePipeline\'s throttling, and may call only these three actions on this pipeline', () => {
    const { stack } = patchRebuildStack();
    const template = Template.fromStack(stack);
    const tasks = Object.values<any>(stateMachineDefinition(template.toJSON()).States)
      .filter((state) => state.Type === 'Task' && state.Resource.includes(':codepipeline:'));

    expect(tasks.map((task) => task.Retry.map((retry: any) => retry.ErrorEquals))).toEqual(tasks.map(() => [PATCH_REBUILD_RETRIED_ERRORS]));
    expect(tasks).toHaveLength(3);
    const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => JSON.stringify(statement.Action).includes('codepipeline'));
    expect(statements.map((statement) => [statement.Action, statement.Resource])).toEqual([
      [['codepipeline:ListPipelineExecutions', 'codepipeline:ListActionExecutions', 'codepipeline:StartPipelineExecution'], `arn:aws:codepipeline:eu-west-1:111111111111:${PIPELINE}`],
    ]);
  });

  test('leaves no unacknowledged cdk-nag finding', () => {
    expect(awsSolutionsFindings(patchRebuildStack().app)).toEqual([]);
  });
});
