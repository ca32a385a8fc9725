import {
  Duration, PhysicalName, Stack,
  aws_codepipeline as codepipeline, aws_iam as iam, aws_logs as logs, aws_stepfunctions as sfn, aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { branchPerArchitecture } from '../bake/architecture-branches';
import { BakedImageLookup } from '../bake/baked-image-lookup';
import type { BuildableRecipe } from '../image/buildable-recipe';
import { perBuildArn } from '../image/image-builder-names';
import { acknowledgeNagFinding, nagResourceReference } from '../nag/nag-acknowledgement';
import { executionLoggingStatement, stackScopedLogGroupName } from '../shared/state-machine-logging';

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
  /** The recipes the pipeline bakes (one per architecture): their images of the released content and the parent images now decide whether to run. */
  readonly recipes: BuildableRecipe[];
  /** The stage and action of the package step, whose `CONTENT_HASH` variable is the released content's. */
  readonly packageAction: { readonly stageName: string; readonly actionName: string };
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
 * already released, not under a newer commit that failed on its way; and that runs nothing when
 * the bake would only reuse the image that is released, so that no approval is asked for nothing.
 *
 * 1. `ListPipelineExecutions`, filtered to executions that succeeded in the last stage, newest first.
 * 2. None (nothing released yet, or the pipeline's structure changed since): outputs
 *    `{ "outcome": "NOTHING_RELEASED", "reason" }` and starts nothing.
 * 3. `ListActionExecutions` of that execution: the package step's `CONTENT_HASH`. With it, the
 *    same lookup as the bake's (`BakedImageLookup`), for each recipe in parallel: when for every
 *    recipe an image of the released content, the recipe and the parent image resolved now exists
 *    with every copy, outputs `{ "outcome": "NOTHING_NEW", "reason", "revision", "images": [{
 *    "architecture", "current": true, "imageBuildVersionArn", "parentImage" }] }` and starts nothing.
 * 4. Otherwise (a newer parent image of any recipe, a missing copy, or a content hash it cannot read)
 *    `StartPipelineExecution` with the release's source revision as the override, and outputs
 *    `{ "outcome": "STARTED", "pipelineExecutionId", "revision", "releasedBy" }`.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListPipelineExecutions.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListActionExecutions.html
 */
export class PatchRebuildWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: PatchRebuildWorkflowProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: stackScopedLogGroupName(this, '/aws/vendedlogs/states/'),
      retention: logs.RetentionDays.ONE_YEAR,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Runs pipeline ${props.pipeline.pipelineName} again on its released source, when its image would change`,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: PhysicalName.GENERATE_IF_NEEDED,
      comment: `Runs the pipeline again on the source revision it last released through stage ${props.lastStageName}, when its image would change`,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(props)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.minutes(30),
      // The policy is written in full below: the lookup's tasks would otherwise grant their actions on `*`.
      role: role.withoutPolicyUpdates(),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    this.stateMachine.node.addDependency(role);
    [
      new iam.PolicyStatement({
        actions: ['codepipeline:ListPipelineExecutions', 'codepipeline:ListActionExecutions', 'codepipeline:StartPipelineExecution'],
        resources: [props.pipeline.pipelineArn],
      }),
      ...props.recipes.flatMap((recipe) => BakedImageLookup.statements(Stack.of(this), recipe)),
      executionLoggingStatement(),
    ].forEach((statement) => role.addToPrincipalPolicy(statement));
    const acknowledge = (resource: string, reason: string) => acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, resource)}]`, reason);
    acknowledge('*', 'Only actions without resource-level permissions: tag:GetResources, CloudWatch Logs vended log delivery, X-Ray');
    for (const recipe of props.recipes) {
      acknowledge(perBuildArn(Stack.of(this), recipe.imageRecipeName),
        'Reads the images of the recipe versions the bake made, one per build, named after the recipe and a per-build suffix');
    }
    acknowledge(Stack.of(this).formatArn({ service: 'imagebuilder', account: 'aws', resource: 'image', resourceName: '*' }),
      'Resolves the AWS-managed parent image of the recipe, whose newest version the check needs');
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
    const startRebuild = start.next(started);
    const nothingNew = new sfn.Pass(this, 'NothingNew', {
      parameters: {
        'outcome': 'NOTHING_NEW',
        'reason': sfn.JsonPath.format('The images of released revision {} are current: its content, the recipes and their parent images are unchanged, '
          + 'and each image has every copy. Nothing was started, built or released, and no approval was asked.', sfn.JsonPath.stringAt(revision)),
        'revision.$': revision,
        'images.$': '$.images',
      },
    });
    const readReleasedBuild = this.codePipelineCall('ReadReleasedBuild', 'listActionExecutions', props.pipeline, {
      PipelineName: pipelineName,
      Filter: { PipelineExecutionId: sfn.JsonPath.stringAt('$.released.executions[0].PipelineExecutionId') },
    }, { 'actions.$': '$.ActionExecutionDetails' }, '$.releasedBuild');
    const { stageName, actionName } = props.packageAction;
    const contentHash = sfn.Pass.jsonata(this, 'ReleasedContentHash', {
      comment: `The CONTENT_HASH that action ${actionName} of stage ${stageName} exported in the released execution`,
      outputs: `{% $merge([$states.input, {"contentHash": $states.input.releasedBuild.actions[StageName = "${stageName}" and ActionName = "${actionName}"][0]`
        + '.Output.OutputVariables.CONTENT_HASH}]) %}',
    });
    const lookup = branchPerArchitecture(this, 'LookUpEachArchitecture', {
      comment: 'Whether the image of each recipe for the released content is current',
      resultPath: '$.images',
    }, props.recipes, (scope, recipe, statePrefix) => lookUpCurrentImage(scope, recipe, statePrefix)).next(sfn.Pass.jsonata(this, 'CountStaleImages', {
      comment: 'A JSONata state: JSONPath cannot count the items of an array that match',
      outputs: '{% $merge([$states.input, {"staleImages": $count($states.input.images[current = false])}]) %}',
    })).next(new sfn.Choice(this, 'EveryImageCurrent?')
      .when(sfn.Condition.numberGreaterThan('$.staleImages', 0), startRebuild)
      .otherwise(nothingNew));
    return findRelease.next(new sfn.Choice(this, 'AnythingReleased')
      .when(sfn.Condition.isPresent('$.released.executions[0]'), readReleasedBuild.next(contentHash).next(new sfn.Choice(this, 'ContentHashKnown?')
        .when(sfn.Condition.isPresent('$.contentHash'), lookup)
        .otherwise(startRebuild)))
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

/** One branch of the check: whether the recipe's image of the released content is current, and which it is. */
function lookUpCurrentImage(scope: Construct, recipe: BuildableRecipe, statePrefix: string): sfn.IChainable {
  const outcome = (id: string, current: boolean, image: Record<string, string>) => new sfn.Pass(scope, id, {
    parameters: { 'architecture': recipe.baseImage.architecture, current, 'parentImage.$': '$.parentImage.id', ...image },
  });
  return new BakedImageLookup(scope, recipe, statePrefix).chain(
    outcome('ImageCurrent', true, { 'imageBuildVersionArn.$': '$.reuse.image.arn' }),
    outcome('ImageStale', false, { 'decision.$': '$.reuse.decision' }));
}
