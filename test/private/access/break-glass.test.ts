import { App, CfnParameter, Stack, aws_autoscaling as autoscaling, aws_iam as iam, aws_logs as logs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BreakGlassAccess, BreakGlassAccessProps } from '../../../src/private/access/break-glass';
import { awsSolutionsFindings, expectAcknowledgedOneForOne, isSpecificReason, nagAcknowledgements, unacknowledgedFindings } from '../../helpers/nag';
import { ACCOUNT_ARN, onlyResource, render, roleStatements, statementFor } from '../../helpers/template-statements';

const GROUP = 'web-prod';
const OPERATORS = new iam.ArnPrincipal('arn:aws:iam::111111111111:role/Operators');

const GROUP_NAME = () => GROUP;

function breakGlassStack(props: Partial<BreakGlassAccessProps> = {}, groupName: (stack: Stack) => string = GROUP_NAME,
  configure: (stack: Stack) => Partial<BreakGlassAccessProps> = () => ({})) {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const group = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Group', groupName(stack));
  const instanceRole = new iam.Role(stack, 'InstanceRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  const breakGlass = new BreakGlassAccess(stack, 'BreakGlass', {
    autoScalingGroup: group,
    instanceRole,
    principals: [OPERATORS],
    environmentName: 'prod',
    ...props,
    ...configure(stack),
  });
  return { app, stack, breakGlass, get template() { return Template.fromStack(stack); } };
}

describe('BreakGlassAccess', () => {
  describe('session logs', () => {
    test('given defaults, then sessions are logged to a log group encrypted with a rotating customer-managed key, kept a year', () => {
      const template = breakGlassStack().template;
      const [keyId, key] = onlyResource(template, 'AWS::KMS::Key');
      const [, logGroup] = onlyResource(template, 'AWS::Logs::LogGroup', 'BreakGlassSessionLogs');

      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(logGroup.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      expect(logGroup.Properties.RetentionInDays).toBe(365);
    });

    test('given sessionLogRetention, then session logs are kept that long', () => {
      const [, logGroup] = onlyResource(breakGlassStack({ sessionLogRetention: logs.RetentionDays.THREE_MONTHS }).template, 'AWS::Logs::LogGroup', 'BreakGlassSessionLogs');

      expect(logGroup.Properties.RetentionInDays).toBe(90);
    });

    test('given the stack is deleted, then the session logs and their key are retained as evidence', () => {
      const template = breakGlassStack().template;

      expect(onlyResource(template, 'AWS::KMS::Key')[1].DeletionPolicy).toBe('Retain');
      expect(onlyResource(template, 'AWS::Logs::LogGroup', 'BreakGlassSessionLogs')[1].DeletionPolicy).toBe('Retain');
    });

    test('given the log group name, then it is unique per stack instance, so a recreated stack does not collide with the retained group', () => {
      const name = render(onlyResource(breakGlassStack().template, 'AWS::Logs::LogGroup', 'BreakGlassSessionLogs')[1].Properties.LogGroupName);

      expect(name).toMatch(/^\/immutable-servers\/break-glass\/stack-breakglass-[0-9a-f]{8}-/);
      expect(name).toContain(JSON.stringify({ 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }));
    });

    test('given the key policy, then CloudWatch Logs of the region may use the key for this log group only', () => {
      const template = breakGlassStack().template;
      const logGroupName = render(onlyResource(template, 'AWS::Logs::LogGroup', 'BreakGlassSessionLogs')[1].Properties.LogGroupName);
      const statements = onlyResource(template, 'AWS::KMS::Key')[1].Properties.KeyPolicy.Statement;
      const logsStatement = statements.find((statement: any) => statement.Principal.Service !== undefined);

      expect(render(logsStatement.Principal.Service)).toBe('logs.${AWS::Region}.${AWS::URLSuffix}');
      expect(logsStatement.Action).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']));
      expect(Object.keys(logsStatement.Condition)).toEqual(['ArnEquals']);
      expect(render(logsStatement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'])).toBe(`${ACCOUNT_ARN('logs', 'log-group:')}${logGroupName}`);
    });

    test('given the instance role, then it may write to the session log group and describe log groups, which Session Manager checks', () => {
      const statements = roleStatements(breakGlassStack().template, 'InstanceRole');
      const write = statementFor(statements, 'logs:PutLogEvents');

      expect(write.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams']);
      expect(render(write.Resource)).toMatch(/^\$\{BreakGlassSessionLogs[0-9A-F]{8}\.Arn\}$/);
      expect(render(statementFor(statements, 'logs:DescribeLogGroups').Resource)).toBe(ACCOUNT_ARN('logs', 'log-group:*'));
    });

    test('given the instance role, then it may use the key only through CloudWatch Logs and only for the session log group', () => {
      const template = breakGlassStack().template;
      const [keyId] = onlyResource(template, 'AWS::KMS::Key');
      const keyAccess = statementFor(roleStatements(template, 'InstanceRole'), 'kms:GenerateDataKey');

      expect(keyAccess.Action).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
      expect(keyAccess.Resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      expect(render(keyAccess.Condition.StringEquals['kms:ViaService'])).toBe('logs.${AWS::Region}.${AWS::URLSuffix}');
      expect(render(keyAccess.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'])).toMatch(/:log-group:\/immutable-servers\/break-glass\//);
    });
  });

  describe('session document', () => {
    test('given the document, then it is a Standard_Stream Session document that streams encrypted logs to the session log group', () => {
      const template = breakGlassStack().template;
      const [logGroupId] = onlyResource(template, 'AWS::Logs::LogGroup', 'BreakGlassSessionLogs');
      const [, document] = onlyResource(template, 'AWS::SSM::Document');

      expect(document.Properties.DocumentType).toBe('Session');
      expect(document.Properties.Content).toMatchObject({ schemaVersion: '1.0', sessionType: 'Standard_Stream' });
      expect(document.Properties.Content.inputs).toMatchObject({
        cloudWatchLogGroupName: { Ref: logGroupId },
        cloudWatchEncryptionEnabled: true,
        cloudWatchStreamingEnabled: true,
      });
    });

    test('given the document, then CloudFormation names it', () => {
      expect(onlyResource(breakGlassStack().template, 'AWS::SSM::Document')[1].Properties.Name).toBeUndefined();
    });

    test('given the construct, then sessionDocumentName and startSessionCommand name the document', () => {
      const { stack, breakGlass, template } = breakGlassStack();
      const [documentId] = onlyResource(template, 'AWS::SSM::Document');

      expect(stack.resolve(breakGlass.sessionDocumentName)).toEqual({ Ref: documentId });
      expect(render(stack.resolve(breakGlass.startSessionCommand)))
        .toBe(`aws ssm start-session --region \${AWS::Region} --target <instance-id> --document-name \${${documentId}}`);
    });
  });

  describe('break-glass role', () => {
    const roleOf = (template: Template) => onlyResource(template, 'AWS::IAM::Role', 'BreakGlassRole')[1];

    test('given principals, then each may assume the role only with MFA, under a condition that fails closed', () => {
      const otherTeam = new iam.AccountPrincipal('222222222222');
      const trust = roleOf(breakGlassStack({ principals: [OPERATORS, otherTeam] }).template).Properties.AssumeRolePolicyDocument.Statement;

      expect(trust).toHaveLength(2);
      for (const statement of trust) {
        expect(statement.Action).toBe('sts:AssumeRole');
        expect(statement.Condition).toEqual({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
      }
      expect(JSON.stringify(trust)).not.toContain('IfExists');
    });

    test('given the role, then its sessions last at most an hour', () => {
      expect(roleOf(breakGlassStack().template).Properties.MaxSessionDuration).toBe(3600);
    });

    test('given the role, then it may start sessions only on instances of this group and only with the session document', () => {
      const statements = roleStatements(breakGlassStack().template, 'BreakGlassRole').filter((statement) => statement.Action === 'ssm:StartSession');

      expect(statements).toHaveLength(2);
      const [onInstances, withDocument] = statements;
      expect(render(onInstances.Resource)).toBe(ACCOUNT_ARN('ec2', 'instance/*'));
      expect(onInstances.Condition).toEqual({
        StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': GROUP },
        BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' },
      });
      expect(render(withDocument.Resource)).toMatch(new RegExp(`^${escape(ACCOUNT_ARN('ssm', 'document/'))}\\$\\{BreakGlassSessionDocument[0-9A-F]{8}\\}$`));
      expect(withDocument.Condition).toEqual({ BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } });
    });

    test('given the role, then it may end and resume only the sessions it started', () => {
      const statement = statementFor(roleStatements(breakGlassStack().template, 'BreakGlassRole'), 'ssm:TerminateSession');

      expect(statement.Action).toEqual(['ssm:TerminateSession', 'ssm:ResumeSession']);
      expect(render(statement.Resource)).toBe(ACCOUNT_ARN('ssm', 'session/*'));
      expect(statement.Condition).toEqual({ StringLike: { 'ssm:resourceTag/aws:ssmmessages:session-id': '${aws:userid}' } });
    });

    test('given the role, then only read-only describes are granted on every resource', () => {
      const unscoped = roleStatements(breakGlassStack().template, 'BreakGlassRole').filter((statement) => statement.Resource === '*');

      expect(unscoped.flatMap((statement) => statement.Action).sort())
        .toEqual(['ec2:DescribeInstances', 'ssm:DescribeInstanceProperties', 'ssm:DescribeSessions', 'ssm:GetConnectionStatus']);
    });

    test('given a group whose name is a token, then the conditions reference it', () => {
      const template = breakGlassStack({}, (stack) => new CfnParameter(stack, 'GroupName').valueAsString).template;
      const [onInstances] = roleStatements(template, 'BreakGlassRole');

      expect(onInstances.Condition.StringEquals).toEqual({ 'ssm:resourceTag/aws:autoscaling:groupName': { Ref: 'GroupName' } });
    });
  });

  describe('validation', () => {
    test('given no principals, then it fails naming principals', () => {
      expect(() => breakGlassStack({ principals: [] })).toThrow('principals must name at least one principal who may assume the break-glass role, got []');
    });

    test.each(['', 'prød', 'x'.repeat(65)])('given environmentName \'%s\', then it fails naming the value', (environmentName) => {
      expect(() => breakGlassStack({ environmentName })).toThrow(`environmentName must be 1 to 64 printable ASCII characters, got '${environmentName}'`);
    });
  });

  describe('cdk-nag', () => {
    test('given the construct, then AwsSolutions reports nothing unacknowledged', () => {
      expect(awsSolutionsFindings(breakGlassStack().app)).toEqual([]);
    });

    test('given its acknowledgements, then each says why for its resource', () => {
      const acknowledgements = nagAcknowledgements(breakGlassStack().app);

      expect(acknowledgements.length).toBeGreaterThan(0);
      expect(acknowledgements.filter((acknowledgement) => !isSpecificReason(acknowledgement.reason))).toEqual([]);
      expect(acknowledgements.map((acknowledgement) => acknowledgement.rule)).toEqual(acknowledgements.map(() => expect.stringMatching(/^AwsSolutions-IAM5\[Resource::/)));
    });

    test('given no acknowledgements, then exactly the acknowledged findings are reported: none is stale or broader than its finding', () => {
      const acknowledgements = nagAcknowledgements(breakGlassStack().app);
      const findings = unacknowledgedFindings((cdk, app) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { BreakGlassAccess: Unacknowledged } = require('../../../src/private/access/break-glass') as typeof import('../../../src/private/access/break-glass');
        const stack = new cdk.Stack(app, 'Stack');
        new Unacknowledged(stack, 'BreakGlass', {
          autoScalingGroup: cdk.aws_autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Group', GROUP),
          instanceRole: new cdk.aws_iam.Role(stack, 'InstanceRole', { assumedBy: new cdk.aws_iam.ServicePrincipal('ec2.amazonaws.com') }),
          principals: [new cdk.aws_iam.ArnPrincipal(OPERATORS.arn)],
          environmentName: 'prod',
        });
      });

      expectAcknowledgedOneForOne(findings, acknowledgements);
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
