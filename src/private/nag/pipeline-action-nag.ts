import { ArnFormat, Stack, aws_codepipeline as codepipeline, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeNagFinding, nagResourceReference } from './nag-acknowledgement';

/**
 * Acknowledges the wildcards aws-cdk-lib's `StepFunctionInvokeAction` grants the role of each action
 * that starts one of these state machines: reading the input artifact from the artifact bucket of
 * the state machine's region, and describing the executions it starts. The role is under the stage
 * when the state machine is in the pipeline's account, otherwise in the state machine's stack.
 */
export function acknowledgeStepFunctionActionFindings(stage: IConstruct, pipeline: codepipeline.Pipeline, stateMachines: sfn.IStateMachine[]): void {
  const pipelineStack = Stack.of(pipeline);
  for (const stateMachine of stateMachines) {
    const machineStack = Stack.of(stateMachine);
    const roleScope = machineStack.account === pipelineStack.account ? stage : machineStack;
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
  }
}

/** The executions' ARN as `StepFunctionInvokeAction` grants it. */
function executionArns(stateMachine: sfn.IStateMachine): string {
  const stack = Stack.of(stateMachine);
  const { account, region, partition, resourceName } = stack.splitArn(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
  return stack.formatArn({ account, region, partition, service: 'states', resource: 'execution', resourceName: `${resourceName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
