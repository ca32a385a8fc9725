import { ArnFormat, Stack, aws_codepipeline as codepipeline, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeNagFinding, nagResourceReference } from './nag-acknowledgement';

/**
 * Acknowledges the wildcards aws-cdk-lib's `StepFunctionInvokeAction` grants its role, when that
 * role is in the pipeline's stack (the state machine is in the pipeline's account): reading the
 * input artifact, and describing the executions it starts.
 */
export function acknowledgeStepFunctionActionFindings(stage: IConstruct, pipeline: codepipeline.Pipeline, stateMachines: sfn.IStateMachine[]): void {
  const acknowledge = (finding: string, reason: string) => acknowledgeNagFinding(stage, `AwsSolutions-IAM5[${finding}]`, reason);
  const artifactReason = 'The Step Functions action reads the release manifest from the pipeline\'s artifact bucket, as aws-cdk-lib grants it';
  for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*']) {
    acknowledge(`Action::${action}`, artifactReason);
  }
  acknowledge(`Resource::${nagResourceReference(pipeline, `${pipeline.artifactBucket.bucketArn}/*`)}`, artifactReason);
  for (const stateMachine of stateMachines.filter((machine) => Stack.of(machine) === Stack.of(pipeline))) {
    acknowledge(`Resource::${nagResourceReference(pipeline, executionArns(stateMachine))}`,
      'The Step Functions action describes the executions it starts: execution ARNs are the state machine\'s name and an id');
  }
}

/** The executions' ARN as `StepFunctionInvokeAction` grants it. */
function executionArns(stateMachine: sfn.IStateMachine): string {
  const stack = Stack.of(stateMachine);
  const { account, region, partition, resourceName } = stack.splitArn(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
  return stack.formatArn({ account, region, partition, service: 'states', resource: 'execution', resourceName: `${resourceName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
