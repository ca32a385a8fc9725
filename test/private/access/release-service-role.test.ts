import { handlerPermissions } from '../../../scripts/lib/resource-schemas';
import { HANDLER_READ_ACTIONS } from '../../../src/private/access/release-service-role';
import { deploymentStack } from '../../helpers/deployment-stack';
import { awsSolutionsFindings } from '../../helpers/nag';

/**
 * Permissions the handler of AWS::AutoScaling::AutoScalingGroup declares for an update that the
 * release service role does not hold, each with why no release needs it: a release changes the
 * group's launch template version, its capacity once the first release exists, and nothing else.
 */
const WITHHELD_GROUP_PERMISSIONS: Record<string, string> = {
  'autoscaling:CreateOrUpdateTags': 'the group\'s tags are literal in the template',
  'autoscaling:DeleteTags': 'the group\'s tags are literal in the template',
  'autoscaling:EnableMetricsCollection': 'the group metrics are literal in the template',
  'autoscaling:DisableMetricsCollection': 'the group metrics are literal in the template',
  'autoscaling:PutNotificationConfiguration': 'the scaling events topic is literal in the template',
  'autoscaling:DeleteNotificationConfiguration': 'the scaling events topic is literal in the template',
  'autoscaling:AttachLoadBalancerTargetGroups': 'the target groups are literal in the template',
  'autoscaling:DetachLoadBalancerTargetGroups': 'the target groups are literal in the template',
  'autoscaling:AttachLoadBalancers': 'the group has no classic load balancers',
  'autoscaling:DetachLoadBalancers': 'the group has no classic load balancers',
  'autoscaling:AttachTrafficSources': 'the group\'s traffic sources are its target groups, literal in the template',
  'autoscaling:DetachTrafficSources': 'the group\'s traffic sources are its target groups, literal in the template',
  'autoscaling:PutLifecycleHook': 'the group has no lifecycle hooks',
  'autoscaling:DeleteLifecycleHook': 'the group has no lifecycle hooks',
  'autoscaling:SuspendProcesses': 'only the rolling update policy suspends processes; the group is refreshed by an instance refresh',
  'autoscaling:ResumeProcesses': 'only the rolling update policy suspends processes; the group is refreshed by an instance refresh',
  'cloudwatch:PutMetricAlarm': 'the group has no scaling policies whose alarms the handler would write',
  'ec2:Get*': 'the launch template names a literal AMI id and instance type, no instance requirements to resolve',
  'ssm:Get*': 'the launch template names a literal AMI id, not an SSM parameter (CloudFormation resolves the ledger with the caller\'s permissions)',
  'iam:CreateServiceLinkedRole': 'the Auto Scaling service-linked role exists since the group was created',
  'managed-fleets:Get*': 'not an action of the IAM Service Authorization Reference',
  'managed-fleets:RegisterAutoScalingGroup': 'not an action of the IAM Service Authorization Reference',
  'managed-fleets:DeregisterAutoScalingGroup': 'not an action of the IAM Service Authorization Reference',
  'managed-fleets:UpdateAutoScalingGroup': 'not an action of the IAM Service Authorization Reference',
  'vpc-lattice:DeregisterTargets': 'the group has no VPC Lattice target groups',
  'vpc-lattice:GetTargetGroup': 'the group has no VPC Lattice target groups',
  'vpc-lattice:ListTargets': 'the group has no VPC Lattice target groups',
  'vpc-lattice:RegisterTargets': 'the group has no VPC Lattice target groups',
};

/** The deployment's template, and the actions of the release service role's policy. */
function serviceRole() {
  const { template, stack } = deploymentStack();
  const json = template.toJSON();
  const [logicalId] = Object.entries<any>(json.Resources).find(([, resource]) => resource.Type === 'AWS::IAM::Role'
    && JSON.stringify(resource.Properties.AssumeRolePolicyDocument).includes('cloudformation.amazonaws.com'))!;
  const statements = Object.values<any>(json.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' && resource.Properties.Roles.some((role: any) => role.Ref === logicalId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  const actions = new Set(statements.flatMap((statement: any) => [statement.Action].flat()));
  return { json, stack, logicalId, actions };
}

/** Logical ids of the resources whose properties change when the ledger's values do: through its parameters, the conditions on them, and the attributes of resources that change. */
function resourcesChangedByARelease(json: any): string[] {
  const changing = new Set(Object.keys(json.Parameters).filter((name) => name.includes('Ledger')));
  for (const [name, condition] of Object.entries(json.Conditions ?? {})) {
    if ([...changing].some((parameter) => JSON.stringify(condition).includes(`"Ref":"${parameter}"`))) changing.add(name);
  }
  const resources = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [logicalId, resource] of Object.entries<any>(json.Resources)) {
      const properties = JSON.stringify(resource.Properties ?? {});
      const depends = [...changing].some((name) => properties.includes(`"Ref":"${name}"`) || properties.includes(`"Fn::If":["${name}"`))
        || [...resources].some((changed) => properties.includes(`"Fn::GetAtt":["${changed}"`));
      if (depends && !resources.has(logicalId)) {
        resources.add(logicalId);
        grew = true;
      }
    }
  }
  return [...resources].map((logicalId) => json.Resources[logicalId].Type).sort();
}

describe('ReleaseServiceRole', () => {
  test('given a deployment, then a release changes its launch template and its group only, the resources the role may change', () => {
    const { json } = serviceRole();

    expect(resourcesChangedByARelease(json)).toEqual(['AWS::AutoScaling::AutoScalingGroup', 'AWS::EC2::LaunchTemplate']);
  });

  test('given the launch template\'s CloudFormation handler, then the role holds every permission it declares for an update and a read', () => {
    const { actions } = serviceRole();

    for (const permission of [...handlerPermissions('AWS::EC2::LaunchTemplate', 'update'), ...handlerPermissions('AWS::EC2::LaunchTemplate', 'read')]) {
      expect(actions).toContain(permission);
    }
  });

  test('given the group\'s CloudFormation handler, then the role holds each permission it declares for an update, or a reason says why no release calls it', () => {
    const { actions } = serviceRole();
    const declared = [...handlerPermissions('AWS::AutoScaling::AutoScalingGroup', 'update'), ...handlerPermissions('AWS::AutoScaling::AutoScalingGroup', 'read')];

    expect(declared.filter((permission) => !actions.has(permission) && !(permission in WITHHELD_GROUP_PERMISSIONS))).toEqual([]);
    expect(Object.keys(WITHHELD_GROUP_PERMISSIONS).filter((permission) => actions.has(permission))).toEqual([]);
    // The reads are the schemas' own: what the role holds beyond them is written out action by action.
    expect(HANDLER_READ_ACTIONS.every((action) => declared.includes(action) || handlerPermissions('AWS::EC2::LaunchTemplate', 'read').includes(action))).toBe(true);
  });

  test('given cdk-nag, then the role\'s and its workflow\'s wildcards are each acknowledged with a reason', () => {
    const { app } = deploymentStack();

    expect(awsSolutionsFindings(app).filter((finding) => finding.path.includes('ReleaseStackUpdate'))).toEqual([]);
  });
});
