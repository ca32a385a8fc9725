import { Duration, aws_stepfunctions as sfn, aws_stepfunctions_tasks as tasks } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Every SDK call is one short request; a call that hangs ends the execution instead of waiting. */
const TASK_TIMEOUT = sfn.Timeout.duration(Duration.minutes(1));

/**
 * Error names of the SDK integrations. CloudFormation, EC2 and Auto Scaling are query APIs, so
 * throttling and errors their models do not name (ValidationError, Throttling) arrive as the generic
 * `<Service>.<Service>Exception`; the throttling of Systems Manager and KMS is unmodelled too.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html#use-awssdk-integ
 */
const RETRIED_ERRORS: Record<string, string[]> = {
  cloudformation: ['CloudFormation.CloudFormationException'],
  ssm: ['Ssm.SsmException', 'Ssm.TooManyUpdatesException'],
  ec2: ['Ec2.Ec2Exception'],
  autoscaling: ['AutoScaling.AutoScalingException'],
  kms: ['Kms.KmsException'],
  sfn: ['Sfn.SfnException'],
  // The service prefix Step Functions gives Image Builder's errors is undocumented: both spellings.
  imagebuilder: ['Imagebuilder.CallRateLimitExceededException', 'ImageBuilder.CallRateLimitExceededException',
    'Imagebuilder.ServiceUnavailableException', 'ImageBuilder.ServiceUnavailableException'],
  resourcegroupstaggingapi: ['ResourceGroupsTaggingApi.ThrottledException', 'ResourceGroupsTaggingAPI.ThrottledException'],
};

/** What one SDK call of a workflow is. */
export interface SdkCallOptions {
  readonly service: string;
  readonly action: string;
  readonly parameters: Record<string, unknown>;
  readonly resultPath: string;
  readonly resultSelector?: Record<string, unknown>;
  /** Credentials of a role in another account; undefined calls as the state machine's role. */
  readonly credentials?: sfn.Credentials;
}

/** An SDK call that fails after a minute instead of hanging, retried when throttled. */
export function sdkCall(scope: Construct, id: string, options: SdkCallOptions): tasks.CallAwsService {
  const call = new tasks.CallAwsService(scope, id, {
    ...options,
    // Only read by CDK, which the immutable role ignores: the role's policy is written in full.
    iamResources: ['*'],
    taskTimeout: TASK_TIMEOUT,
  });
  call.addRetry({
    errors: RETRIED_ERRORS[options.service], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 5, jitterStrategy: sfn.JitterType.FULL,
  });
  return call;
}

/** A Pass state that sets `$.failure` to an error and a cause composed from the execution's data. */
export function explainFailure(scope: Construct, id: string, error: string, template: string, ...paths: string[]): sfn.Pass {
  // Composed in a Pass state: a Fail state's CausePath takes intrinsics in Step Functions, but
  // not in the local runner that tests the workflows.
  return new sfn.Pass(scope, id, {
    parameters: { error, cause: sfn.JsonPath.format(template, ...paths.map((path) => sfn.JsonPath.stringAt(path))) },
    resultPath: '$.failure',
  });
}

/** A Fail state that ends the execution with the error and cause in `$.failure`. */
export function failAsExplained(scope: Construct, id: string): sfn.Fail {
  return new sfn.Fail(scope, id, { errorPath: '$.failure.error', causePath: '$.failure.cause' });
}
