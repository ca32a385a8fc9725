import { aws_iam as iam } from 'aws-cdk-lib';
import { deploymentStack, resourcesOfType } from '../helpers/deployment-stack';

describe('RollingAsgDeployment break-glass', () => {
  test('given defaults, then there is no break-glass role, session document or taint workflow', () => {
    const { template, deployment } = deploymentStack();

    template.resourceCountIs('AWS::SSM::Document', 0);
    template.resourcePropertiesCountIs('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' }, 0);
    expect(deployment.breakGlassRole).toBeUndefined();
    expect(deployment.breakGlassStartSessionCommand).toBeUndefined();
  });

  test('given break-glass principals, then they get an MFA-only role, a logged session document and a workflow that replaces touched instances', () => {
    const { template, deployment } = deploymentStack({
      breakGlass: { principals: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/oncall')] },
    });

    template.resourceCountIs('AWS::SSM::Document', 1);
    template.resourcePropertiesCountIs('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' }, 1);
    const trust = resourcesOfType(template, 'AWS::IAM::Role')
      .map((role) => role.Properties.AssumeRolePolicyDocument.Statement[0])
      .find((statement) => JSON.stringify(statement.Principal).includes('oncall'));
    expect(trust.Condition).toEqual({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
    expect(deployment.breakGlassRole).toBeDefined();
    expect(deployment.breakGlassStartSessionCommand).toMatch(/^aws ssm start-session --region eu-west-1 --target <instance-id> --document-name /);
  });
});
