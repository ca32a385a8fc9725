import { readFileSync } from 'fs';
import { join } from 'path';
import { PolicyStatement, actionConditionKeys, evaluate, isKnownAction, serviceConditionKeys } from '../../scripts/lib/journey/iam-policy';
import { ACCESS_EVENTS } from '../../src/private/access/access-events';
import { TAINT_ON_ACCESS_TAG_KEY } from '../../src/private/access/taint-on-access';
import { RELEASE_TAG_KEYS } from '../../src/private/shared/release-tags';

/** The service control policy of docs/break-glass-scp.md, as a team would copy it. */
const page = readFileSync(join(__dirname, '..', '..', 'docs', 'break-glass-scp.md'), 'utf8');
const policy = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(page)![1]);
const statements: PolicyStatement[] = policy.Statement;

const BREAK_GLASS_ROLE = 'arn:aws:iam::333333333333:role/web-prod-WebBreakGlassRole1A2B3C4D-5E6F7A8B9C0D';
const CLOUDFORMATION_ROLE = 'arn:aws:iam::333333333333:role/cdk-hnb659fds-cfn-exec-role-333333333333-us-east-1';
const ADMINISTRATOR = 'arn:aws:iam::333333333333:role/Administrator';
const INSTANCE = 'arn:aws:ec2:us-east-1:333333333333:instance/i-0123456789abcdef0';
const ENVIRONMENT_TAG = { [`aws:ResourceTag/${RELEASE_TAG_KEYS.environment}`]: 'prod' };

/** The SCP's decision, with everything else allowed (as the account's own IAM might). */
function decision(action: string, resource: string, context: Record<string, string | string[]>) {
  return evaluate([...statements, { Effect: 'Allow', Action: '*', Resource: '*' }], { action, resource, context });
}

const list = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat());

describe('the service control policy of docs/break-glass-scp.md', () => {
  test('given its actions, then each is one of the IAM Service Authorization Reference, without wildcards', () => {
    const actions = statements.flatMap((statement) => list(statement.Action));

    expect(actions.filter((action) => !isKnownAction(action) || action.includes('*'))).toEqual([]);
  });

  test('given its condition keys, then each is one the reference lists for the statement\'s actions or their service, or a global key', () => {
    const unknown = statements.flatMap((statement) => Object.values(statement.Condition ?? {}).flatMap((keys) => Object.keys(keys))
      .flatMap((key) => list(statement.Action).filter((action) => {
        if (['aws:PrincipalArn', 'aws:TagKeys'].includes(key)) return false;
        if (key.startsWith('aws:ResourceTag/')) return !actionConditionKeys(action).includes('aws:ResourceTag/${TagKey}');
        return !serviceConditionKeys(action.split(':')[0]).includes(key);
      }).map((action) => `${action} ${key}`)));

    expect(unknown).toEqual([]);
  });

  test('given the access calls the taint workflow watches, then the policy refuses each of them', () => {
    const denied = statements.filter((statement) => statement.Effect === 'Deny').flatMap((statement) => list(statement.Action));

    for (const event of ACCESS_EVENTS) {
      expect(denied).toContain(`${event.eventSource.replace('.amazonaws.com', '')}:${event.eventName}`);
    }
  });

  test('given the tags it conditions on, then they are the tags the library writes', () => {
    expect(page).toContain(`"aws:ResourceTag/${RELEASE_TAG_KEYS.environment}"`);
    expect(page).toContain(`"aws:ResourceTag/${TAINT_ON_ACCESS_TAG_KEY}": "true"`);
  });

  test('given an SCP\'s size limit, then the policy fits in 5,120 characters once white space is removed', () => {
    expect(JSON.stringify(policy).length).toBeLessThanOrEqual(5120);
  });

  test('given a session on an environment\'s instance, then only a break-glass role may start it', () => {
    expect(decision('ssm:StartSession', INSTANCE, { ...ENVIRONMENT_TAG, 'aws:PrincipalArn': ADMINISTRATOR })).toBe('EXPLICIT_DENY');
    expect(decision('ssm:StartSession', INSTANCE, { ...ENVIRONMENT_TAG, 'aws:PrincipalArn': BREAK_GLASS_ROLE })).toBe('ALLOWED');
    expect(decision('ssm:StartSession', INSTANCE, { 'aws:PrincipalArn': ADMINISTRATOR })).toBe('ALLOWED');
  });

  test.each(['ssm:SendCommand', 'ec2-instance-connect:SendSSHPublicKey', 'ec2-instance-connect:SendSerialConsoleSSHPublicKey'])(
    'given %s on an environment\'s instance, then nobody may call it, break-glass roles included', (action) => {
      expect(decision(action, INSTANCE, { ...ENVIRONMENT_TAG, 'aws:PrincipalArn': ADMINISTRATOR })).toBe('EXPLICIT_DENY');
      expect(decision(action, INSTANCE, { ...ENVIRONMENT_TAG, 'aws:PrincipalArn': BREAK_GLASS_ROLE })).toBe('EXPLICIT_DENY');
      expect(decision(action, INSTANCE, { 'aws:PrincipalArn': ADMINISTRATOR })).toBe('ALLOWED');
    });

  test('given a tunnel, then one to an address in an environment\'s VPC is refused and others are not', () => {
    const endpoint = 'arn:aws:ec2:us-east-1:333333333333:instance-connect-endpoint/eice-0123456789abcdef0';

    expect(decision('ec2-instance-connect:OpenTunnel', endpoint, { 'ec2-instance-connect:privateIpAddress': '10.0.1.17', 'aws:PrincipalArn': ADMINISTRATOR }))
      .toBe('EXPLICIT_DENY');
    expect(decision('ec2-instance-connect:OpenTunnel', endpoint, { 'ec2-instance-connect:privateIpAddress': '10.1.0.5', 'aws:PrincipalArn': ADMINISTRATOR }))
      .toBe('ALLOWED');
  });

  test('given the environment tag, then nobody may remove or rewrite it, while launches still tag new instances', () => {
    const tagKeys = { 'aws:TagKeys': [RELEASE_TAG_KEYS.environment], 'aws:PrincipalArn': ADMINISTRATOR };

    expect(decision('ec2:DeleteTags', INSTANCE, { ...ENVIRONMENT_TAG, ...tagKeys })).toBe('EXPLICIT_DENY');
    expect(decision('ec2:CreateTags', INSTANCE, { ...ENVIRONMENT_TAG, ...tagKeys })).toBe('EXPLICIT_DENY');
    expect(decision('ec2:CreateTags', INSTANCE, tagKeys)).toBe('ALLOWED');
    expect(decision('ec2:CreateTags', INSTANCE, { ...ENVIRONMENT_TAG, 'aws:TagKeys': ['immutable-servers:tainted'], 'aws:PrincipalArn': ADMINISTRATOR })).toBe('ALLOWED');
  });

  test.each([
    ['events:DisableRule', 'arn:aws:events:us-east-1:333333333333:rule/web-prod-WebTaintOnAccessRule-1ABC'],
    ['states:StopExecution', 'arn:aws:states:us-east-1:333333333333:execution:WebTaintOnAccessStateMachine-1ABC:0f6a3ab8'],
    ['iam:PutRolePolicy', 'arn:aws:iam::333333333333:role/web-prod-WebTaintOnAccessRole-1ABC'],
  ])('given %s on the taint watcher, then only the CloudFormation execution role may call it', (action, resource) => {
    const watcher = { [`aws:ResourceTag/${TAINT_ON_ACCESS_TAG_KEY}`]: 'true' };

    expect(decision(action, resource, { ...watcher, 'aws:PrincipalArn': ADMINISTRATOR })).toBe('EXPLICIT_DENY');
    expect(decision(action, resource, { ...watcher, 'aws:PrincipalArn': CLOUDFORMATION_ROLE })).toBe('ALLOWED');
    expect(decision(action, resource, { 'aws:PrincipalArn': ADMINISTRATOR })).toBe('ALLOWED');
  });
});
