import { PolicyStatement, evaluate, isKnownAction } from '../../../../scripts/lib/journey/iam-policy';

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

  test('action names are checked against the IAM Service Authorization Reference', () => {
    expect(isKnownAction('cloudformation:UpdateStack')).toBe(true);
    expect(isKnownAction('tag:GetResources')).toBe(true);
    expect(isKnownAction('cloudformation:UpdateStacks')).toBe(false);
    expect(isKnownAction('imagebuilder:GetImages')).toBe(false);
  });
});
