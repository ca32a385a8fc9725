import { App, Stack, aws_codepipeline as codepipeline } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TaskFailure, TaskFake, runLocally, stateMachineDefinition } from '../../../scripts/lib/local-state-machine';
import { PATCH_REBUILD_RETRIED_ERRORS, PatchRebuildWorkflow, SourceRevisionType } from '../../../src/private/pipeline/patch-rebuild-workflow';
import { awsSolutionsFindings } from '../../helpers/nag';

const PIPELINE = 'web-pipeline';
const RELEASED_COMMIT = '3f2c9a1e5b7d4c6a8e0f1b2d3c4e5f6a7b8c9d0e';
const RELEASE_EXECUTION = 'a1b2c3d4-0000-4000-8000-000000000001';
const REBUILD_EXECUTION = 'a1b2c3d4-0000-4000-8000-000000000002';

function patchRebuildStack(revisionType: SourceRevisionType = 'COMMIT_ID') {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: { account: '111111111111', region: 'eu-west-1' } });
  const workflow = new PatchRebuildWorkflow(stack, 'PatchRebuild', {
    pipeline: codepipeline.Pipeline.fromPipelineArn(stack, 'Web', `arn:aws:codepipeline:eu-west-1:111111111111:${PIPELINE}`),
    sourceActionName: 'Source',
    revisionType,
    lastStageName: 'prod',
  });
  return { app, stack, workflow };
}

const definition = (revisionType?: SourceRevisionType) => stateMachineDefinition(Template.fromStack(patchRebuildStack(revisionType).stack).toJSON());

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
    const execution = await runLocally(definition(), {}, { FindLastRelease: releasedExecutions(RELEASED_COMMIT, 'older-commit'), StartOnReleasedRevision: startPipeline });

    expect(execution.calls.FindLastRelease).toEqual([{ PipelineName: PIPELINE, Filter: { SucceededInStage: { StageName: 'prod' } }, MaxResults: 1 }]);
    expect(execution.calls.StartOnReleasedRevision).toEqual([{
      Name: PIPELINE,
      SourceRevisions: [{ ActionName: 'Source', RevisionType: 'COMMIT_ID', RevisionValue: RELEASED_COMMIT }],
    }]);
    expect(execution.output).toEqual({ outcome: 'STARTED', pipelineExecutionId: REBUILD_EXECUTION, revision: RELEASED_COMMIT, releasedBy: RELEASE_EXECUTION });
  });

  test('given an S3 source, then the override names the released object version', async () => {
    const version = 'Fq9b8KX3eYl1hN7Gdp6zqJZt5mVn0aR.';
    const execution = await runLocally(definition('S3_OBJECT_VERSION_ID'), {}, { FindLastRelease: releasedExecutions(version), StartOnReleasedRevision: startPipeline });

    expect(execution.calls.StartOnReleasedRevision).toEqual([{
      Name: PIPELINE,
      SourceRevisions: [{ ActionName: 'Source', RevisionType: 'S3_OBJECT_VERSION_ID', RevisionValue: version }],
    }]);
  });

  test('given nothing released through the last stage yet, then it starts nothing and says why', async () => {
    const execution = await runLocally(definition(), {}, { FindLastRelease: releasedExecutions(), StartOnReleasedRevision: startPipeline });

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
    const retried = await runLocally(definition(), {}, { FindLastRelease: throttledOnce, StartOnReleasedRevision: startPipeline });
    expect(retried.calls.FindLastRelease).toHaveLength(2);
    expect(retried.output).toMatchObject({ outcome: 'STARTED' });

    const denied = await runLocally(definition(), {}, {
      FindLastRelease: releasedExecutions(RELEASED_COMMIT),
      StartOnReleasedRevision: () => {
        throw new TaskFailure('CodePipeline.PipelineNotFoundException', `The account with id '111111111111' does not include a pipeline with the name '${PIPELINE}'`);
      },
    });
    expect(denied).toMatchObject({ status: 'FAILED', error: 'CodePipeline.PipelineNotFoundException' });
    expect(denied.calls.StartOnReleasedRevision).toHaveLength(1);
  });

  test('retries only throttling, and may call only these two actions on this pipeline', () => {
    const { stack } = patchRebuildStack();
    const template = Template.fromStack(stack);
    const tasks = Object.values<any>(stateMachineDefinition(template.toJSON()).States).filter((state) => state.Type === 'Task');

    const retriedErrors = tasks.map((task) => task.Retry.map((retry: any) => retry.ErrorEquals));
    expect(retriedErrors).toEqual([[PATCH_REBUILD_RETRIED_ERRORS], [PATCH_REBUILD_RETRIED_ERRORS]]);
    const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => JSON.stringify(statement.Action).includes('codepipeline'));
    expect(statements.map((statement) => [statement.Action, statement.Resource])).toEqual([
      ['codepipeline:listPipelineExecutions', `arn:aws:codepipeline:eu-west-1:111111111111:${PIPELINE}`],
      ['codepipeline:startPipelineExecution', `arn:aws:codepipeline:eu-west-1:111111111111:${PIPELINE}`],
    ]);
  });

  test('leaves no unacknowledged cdk-nag finding', () => {
    expect(awsSolutionsFindings(patchRebuildStack().app)).toEqual([]);
  });
});
