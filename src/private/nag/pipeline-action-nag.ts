import { ArnFormat, Names, Stack, aws_codepipeline as codepipeline, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeNagFinding, nagResourceReference } from './nag-acknowledgement';

/**
 * Acknowledges the wildcards aws-cdk-lib's `StepFunctionInvokeAction` grants the role of each action
 * of the stage that starts one of these state machines: reading the input artifact from the
 * artifact bucket of the state machine's region, and describing the executions it starts. The
 * role is under the stage when the state machine is in the pipeline's account, otherwise it is the
 * action role aws-cdk-lib adds to the state machine's stack.
 */
export function acknowledgeStepFunctionActionFindings(stage: codepipeline.IStage, pipeline: codepipeline.Pipeline,
  stateMachines: sfn.IStateMachine[]): void {
  const pipelineStack = Stack.of(pipeline);
  for (const stateMachine of stateMachines) {
    const machineStack = Stack.of(stateMachine);
    const crossAccount = machineStack.account !== pipelineStack.account;
    const roleScope = crossAccount ? crossAccountActionRole(stage, pipeline, stateMachine) : pipeline.node.findChild(stage.stageName);
    const acknowledge = (finding: string, reason: string) => acknowledgeNagFinding(roleScope, `AwsSolutions-IAM5[${finding}]`, reason);
    const artifactReason = 'The Step Functions action reads the release manifest from the pipeline\'s artifact bucket, as aws-cdk-lib grants it';
    for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*']) {
      acknowledge(`Action::${action}`, artifactReason);
    }
    const bucket = machineStack.region === pipelineStack.region
      ? pipeline.artifactBucket
      : pipeline.crossRegionSupport[machineStack.region].replicationBucket;
    acknowledge(`Resource::${nagResourceReference(roleScope, `${bucket.bucketArn}/*`)}`, artifactReason);
    acknowledge(`Resource::${nagResourceReference(roleScope, executionArns(stateMachine))}`,
      'The Step Functions action describes the executions it starts: execution ARNs are the state machine\'s name and an id');
    if (crossAccount) {
      acknowledge('Resource::*', 'aws-cdk-lib grants an action role in another account kms:Decrypt and kms:DescribeKey on * for the artifact '
        + 'key of the pipeline\'s account, which that account cannot name by ARN; the key\'s own policy decides who may use it');
    }
  }
}

/**
 * The role aws-cdk-lib adds to the state machine's stack for the action that starts it from
 * another account, named as aws-cdk-lib names it; the whole stack should aws-cdk-lib name it otherwise.
 */
function crossAccountActionRole(stage: codepipeline.IStage, pipeline: codepipeline.Pipeline, stateMachine: sfn.IStateMachine): IConstruct {
  const machineStack = Stack.of(stateMachine);
  const action = stage.actions.find((candidate) => candidate.actionProperties.resource === stateMachine);
  const roleId = `${Names.uniqueId(pipeline)}-${stage.stageName}-${action?.actionProperties.actionName}-ActionRole`;
  return machineStack.node.tryFindChild(roleId) ?? machineStack;
}

/** The executions' ARN as `StepFunctionInvokeAction` grants it. */
function executionArns(stateMachine: sfn.IStateMachine): string {
  const stack = Stack.of(stateMachine);
  const { account, region, partition, resourceName } = stack.splitArn(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
  return stack.formatArn({ account, region, partition, service: 'states', resource: 'execution', resourceName: `${resourceName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
