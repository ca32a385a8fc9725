import { Duration, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stateMachineDefinition } from '../../scripts/lib/local-state-machine';
import { deploymentStack, onlyOfType, resourcesOfType } from '../helpers/deployment-stack';

/** The definition of the deployment's taint workflow, the stack's standard workflow. */
function taintDefinition(template: Template) {
  const json = template.toJSON();
  const [logicalId] = Object.entries<any>(json.Resources)
    .find(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine' && resource.Properties.StateMachineType === 'STANDARD')!;
  return stateMachineDefinition(json, logicalId);
}

describe('RollingAsgDeployment break-glass and tainting', () => {
  test('given defaults, then instances anyone gets into are tainted and replaced, and no break-glass role or session document exists', () => {
    const { template, deployment, stack } = deploymentStack();

    template.resourceCountIs('AWS::SSM::Document', 0);
    template.resourcePropertiesCountIs('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' }, 1);
    const rule = onlyOfType(template, 'AWS::Events::Rule');
    expect(rule.Properties.EventPattern.detail.$or.flatMap((source: any) => source.eventName))
      .toEqual(['StartSession', 'SendCommand', 'SendSSHPublicKey', 'SendSerialConsoleSSHPublicKey', 'OpenTunnel']);
    expect(stack.resolve(deployment.taintWorkflow.stateMachineArn)).toEqual({ Ref: expect.stringMatching(/^WebTaintOnAccessStateMachine/) });
    expect(deployment.breakGlassRole).toBeUndefined();
    expect(deployment.breakGlassStartSessionCommand).toBeUndefined();
  });

  test('given defaults, then the workflow acts on this deployment\'s group and waits 30 minutes before replacing', () => {
    const { template, deployment, stack } = deploymentStack();
    const states = taintDefinition(template).States;

    // Intrinsics are flattened: a reference reads CFN_REF_<logical id>.
    expect(states.KeepThisGroup.Output).toContain(`AutoScalingGroupName = "CFN_REF_${stack.resolve(deployment.autoScalingGroup.autoScalingGroupName).Ref}"`);
    expect(states.WaitGracePeriod.Seconds).toBe(1800);
  });

  test('given taintGracePeriod, then touched instances are replaced after it', () => {
    const { template } = deploymentStack({ taintGracePeriod: Duration.minutes(5) });

    expect(taintDefinition(template).States.WaitGracePeriod.Seconds).toBe(300);
  });

  test('given an invalid taintGracePeriod, then synthesis fails naming it', () => {
    expect(() => deploymentStack({ taintGracePeriod: Duration.hours(48) }))
      .toThrow('taintGracePeriod must be a whole number of seconds from 0 to 24 hours, got 2 days');
  });

  test('given break-glass principals, then they get an MFA-only role and a logged session document, and the one taint workflow covers their sessions too', () => {
    const { template, deployment } = deploymentStack({
      breakGlass: { principals: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/oncall')] },
    });

    template.resourceCountIs('AWS::SSM::Document', 1);
    template.resourcePropertiesCountIs('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' }, 1);
    template.resourceCountIs('AWS::Events::Rule', 1);
    const trust = resourcesOfType(template, 'AWS::IAM::Role')
      .map((role) => role.Properties.AssumeRolePolicyDocument.Statement[0])
      .find((statement) => JSON.stringify(statement.Principal).includes('oncall'));
    expect(trust.Condition).toEqual({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
    expect(deployment.breakGlassRole).toBeDefined();
    expect(deployment.breakGlassStartSessionCommand).toMatch(/^aws ssm start-session --region eu-west-1 --target <instance-id> --document-name /);
  });
});
