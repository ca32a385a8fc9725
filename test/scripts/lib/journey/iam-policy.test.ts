import { PolicyStatement, actionConditionKeys, evaluate, isKnownAction, serviceConditionKeys } from '../../../../scripts/lib/journey/iam-policy';

const ledger = 'arn:aws:ssm:eu-west-1:222222222222:parameter/immutable-servers/web/qa/release/ami';

describe('IAM policy evaluation', () => {
  test('an action on a resource is allowed by a matching statement, with wildcards, and denied implicitly otherwise', () => {
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: 'arn:aws:ssm:eu-west-1:222222222222:parameter/immutable-servers/web/qa/*' }];
    expect(evaluate(statements, { action: 'ssm:GetParameters', resource: ledger })).toBe('ALLOWED');
    expect(evaluate(statements, { action: 'ssm:PutParameter', resource: ledger })).toBe('IMPLICIT_DENY');
    expect(evaluate(statements, { action: 'ssm:GetParameters', resource: ledger.replace('/qa/', '/prod/') })).toBe('IMPLICIT_DENY');
  });

  test('an explicit deny wins, also through NotResource', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'ssm:*', Resource: '*' },
      { Effect: 'Deny', Action: 'ssm:GetParameter', NotResource: 'arn:aws:ssm:*:*:parameter/allowed/*' },
    ];
    expect(evaluate(statements, { action: 'ssm:GetParameter', resource: ledger })).toBe('EXPLICIT_DENY');
    expect(evaluate(statements, { action: 'ssm:GetParameter', resource: 'arn:aws:ssm:eu-west-1:1:parameter/allowed/x' })).toBe('ALLOWED');
  });

  test('ForAllValues and Null conditions: a DeleteTags that names no tag is refused, one that names other tags too', () => {
    const statements: PolicyStatement[] = [{
      Effect: 'Allow',
      Action: 'ec2:DeleteTags',
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['immutable-servers:in-use'] }, 'Null': { 'aws:TagKeys': 'false' } },
    }];
    const image = 'arn:aws:ec2:eu-west-1::image/ami-1';
    expect(evaluate(statements, { action: 'ec2:DeleteTags', resource: image, context: { 'aws:TagKeys': ['immutable-servers:in-use'] } })).toBe('ALLOWED');
    expect(evaluate(statements, { action: 'ec2:DeleteTags', resource: image })).toBe('IMPLICIT_DENY');
    expect(evaluate(statements, { action: 'ec2:DeleteTags', resource: image, context: { 'aws:TagKeys': ['immutable-servers:in-use', 'Name'] } })).toBe('IMPLICIT_DENY');
  });

  test('StringEquals on a resource tag and a request tag', () => {
    const statements: PolicyStatement[] = [{
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': 'web-prod', 'aws:RequestTag/immutable-servers:in-use': 'true' } },
    }];
    const context = { 'aws:ResourceTag/aws:autoscaling:groupName': 'web-prod', 'aws:RequestTag/immutable-servers:in-use': 'true' };
    expect(evaluate(statements, { action: 'ec2:CreateTags', resource: 'i-1', context })).toBe('ALLOWED');
    expect(evaluate(statements, { action: 'ec2:CreateTags', resource: 'i-1', context: { ...context, 'aws:ResourceTag/aws:autoscaling:groupName': 'web-qa' } })).toBe('IMPLICIT_DENY');
  });

  test('ArnNotEquals and IpAddress: a deny that spares one principal, and one limited to an address block', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'ssm:StartSession', Resource: '*', Condition: { ArnNotEquals: { 'aws:PrincipalArn': ['arn:aws:iam::1:role/BreakGlass'] } } },
      { Effect: 'Deny', Action: 'ec2-instance-connect:OpenTunnel', Resource: '*', Condition: { IpAddress: { 'ec2-instance-connect:privateIpAddress': ['10.0.0.0/16'] } } },
    ];
    const session = (principal: string) => evaluate(statements, { action: 'ssm:StartSession', resource: 'i-1', context: { 'aws:PrincipalArn': principal } });
    const tunnel = (address: string) => evaluate(statements, { action: 'ec2-instance-connect:OpenTunnel', resource: 'eice-1', context: { 'ec2-instance-connect:privateIpAddress': address } });
    expect(session('arn:aws:iam::1:role/BreakGlass')).toBe('ALLOWED');
    expect(session('arn:aws:iam::1:role/Operators')).toBe('EXPLICIT_DENY');
    expect(tunnel('10.0.255.1')).toBe('EXPLICIT_DENY');
    expect(tunnel('10.1.0.1')).toBe('ALLOWED');
  });

  test('the condition keys of an action, its resource types\' included, and of a service are those of the Service Authorization Reference', () => {
    expect(actionConditionKeys('ssm:SendCommand')).toEqual(expect.arrayContaining(['aws:ResourceTag/${TagKey}', 'ssm:resourceTag/${TagKey}']));
    expect(actionConditionKeys('ec2-instance-connect:OpenTunnel')).toEqual(expect.arrayContaining(['aws:ResourceTag/${TagKey}']));
    expect(actionConditionKeys('states:StopExecution')).not.toContain('ec2-instance-connect:privateIpAddress');
    expect(() => actionConditionKeys('ssm:SendCommands')).toThrow('ssm:SendCommands is not an action of the IAM Service Authorization Reference');
    expect(serviceConditionKeys('ec2-instance-connect')).toEqual(expect.arrayContaining(['ec2-instance-connect:privateIpAddress', 'ec2-instance-connect:remotePort']));
    expect(serviceConditionKeys('ec2-instance-connect')).not.toContain('ec2-instance-connect:instanceId');
  });

  test('action names are checked against the IAM Service Authorization Reference', () => {
    expect(isKnownAction('cloudformation:UpdateStack')).toBe(true);
    expect(isKnownAction('tag:GetResources')).toBe(true);
    expect(isKnownAction('cloudformation:UpdateStacks')).toBe(false);
    expect(isKnownAction('imagebuilder:GetImages')).toBe(false);
  });
});
