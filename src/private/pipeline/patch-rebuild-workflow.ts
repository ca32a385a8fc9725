import {
  Duration, PhysicalName, aws_codepipeline as codepipeline, aws_logs as logs, aws_stepfunctions as sfn, aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeNagFinding } from '../nag/nag-acknowledgement';
import { stackScopedLogGroupName } from '../shared/state-machine-logging';

/**
 * The revision types of StartPipelineExecution's source revision override, for the sources a
 * pipeline of this library has.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_SourceRevisionOverride.html
 */
export type SourceRevisionType = 'COMMIT_ID' | 'S3_OBJECT_VERSION_ID';

export interface PatchRebuildWorkflowProps {
  /** The pipeline to run again. */
  readonly pipeline: codepipeline.IPipeline;
  /** The name of its source action, whose revision is pinned. */
  readonly sourceActionName: string;
  /** What the source's revision ids are. */
  readonly revisionType: SourceRevisionType;
  /** The pipeline's last stage: an execution that succeeded in it released to every environment. */
  readonly lastStageName: string;
}

/**
 * CodePipeline's throttling error is not in its API model, so Step Functions reports it as the
 * service's generic exception.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html#use-awssdk-integ
 */
export const PATCH_REBUILD_RETRIED_ERRORS = ['CodePipeline.CodePipelineException'];
const TASK_TIMEOUT = sfn.Timeout.duration(Duration.minutes(1));

/**
 * A Step Functions standard workflow that runs a pipeline again on the source revision of its last
 * release, so that a scheduled patch rebuild bakes a newer parent image under the code that is
 * already released, not under a newer commit that failed on its way.
 *
 * 1. `ListPipelineExecutions`, filtered to executions that succeeded in the last stage, newest first.
 * 2. None (nothing released yet, or the pipeline's structure changed since): outputs
 *    `{ "outcome": "NOTHING_RELEASED", "reason" }` and starts nothing.
 * 3. Otherwise `StartPipelineExecution` with that execution's source revision as the override, and
 *    outputs `{ "outcome": "STARTED", "pipelineExecutionId", "revision", "releasedBy" }`.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListPipelineExecutions.html
 */
export class PatchRebuildWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: PatchRebuildWorkflowProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: stackScopedLogGroupName(this, '/aws/vendedlogs/states/'),
      retention: logs.RetentionDays.ONE_YEAR,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: PhysicalName.GENERATE_IF_NEEDED,
      comment: `Runs the pipeline again on the source revision it last released through stage ${props.lastStageName}`,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(props)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.minutes(30),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    acknowledgeNagFinding(this.stateMachine.role, 'AwsSolutions-IAM5[Resource::*]',
      'CloudWatch Logs vended log delivery and X-Ray trace uploads support no resource-level permissions');
  }

  private definition(props: PatchRebuildWorkflowProps): sfn.IChainable {
    const pipelineName = props.pipeline.pipelineName;
    const findRelease = this.codePipelineCall('FindLastRelease', 'listPipelineExecutions', props.pipeline, {
      PipelineName: pipelineName,
      Filter: { SucceededInStage: { StageName: props.lastStageName } },
      MaxResults: 1,
    }, { 'executions.$': '$.PipelineExecutionSummaries' }, '$.released');
    const nothingReleased = new sfn.Pass(this, 'NothingReleased', {
      parameters: {
        outcome: 'NOTHING_RELEASED',
        reason: `No execution of the pipeline has succeeded in its last stage ${props.lastStageName} since the pipeline last changed: `
          + 'there is no released source to rebuild. Release once through every environment, or start the pipeline by hand.',
      },
    });
    // The pipeline has one source action, so an execution has one source revision.
    const revision = '$.released.executions[0].SourceRevisions[0].RevisionId';
    const start = this.codePipelineCall('StartOnReleasedRevision', 'startPipelineExecution', props.pipeline, {
      Name: pipelineName,
      SourceRevisions: [{ ActionName: props.sourceActionName, RevisionType: props.revisionType, RevisionValue: sfn.JsonPath.stringAt(revision) }],
    }, { 'pipelineExecutionId.$': '$.PipelineExecutionId' }, '$.started');
    const started = new sfn.Pass(this, 'Started', {
      parameters: {
        'outcome': 'STARTED',
        'pipelineExecutionId.$': '$.started.pipelineExecutionId',
        'revision.$': revision,
        'releasedBy.$': '$.released.executions[0].PipelineExecutionId',
      },
    });
    return findRelease.next(new sfn.Choice(this, 'AnythingReleased')
      .when(sfn.Condition.isPresent('$.released.executions[0]'), start.next(started))
      .otherwise(nothingReleased));
  }

  private codePipelineCall(id: string, action: string, pipeline: codepipeline.IPipeline, parameters: Record<string, unknown>,
    resultSelector: Record<string, unknown>, resultPath: string): tasks.CallAwsService {
    const call = new tasks.CallAwsService(this, id, {
      service: 'codepipeline', action, parameters, iamResources: [pipeline.pipelineArn], resultSelector, resultPath, taskTimeout: TASK_TIMEOUT,
    });
    call.addRetry({
      errors: PATCH_REBUILD_RETRIED_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 5, jitterStrategy: sfn.JitterType.FULL,
    });
    return call;
  }
}
