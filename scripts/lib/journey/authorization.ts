/**
 * What IAM decides for each call a workflow makes: the IAM action (checked against the Service
 * Authorization Reference), the resources the request names as ARNs with the condition keys it
 * sets, evaluated against the calling role's statements in the synthesized templates. A role
 * assumed through a Task's `Credentials` must allow the workflow's role in its trust policy, and
 * the workflow's role must allow `sts:AssumeRole` on it.
 */
import type { Caller, Endpoint } from './aws-api';
import { AuthorizationRequest, PolicyStatement, evaluate, isKnownAction } from './iam-policy';
import { operationName } from './service-models';
import { autoScalingGroupArn } from './world/cloudformation';

/** The roles of the deployed world, by ARN. */
export interface RoleDirectory {
  /** The identity policies' statements of a role; undefined when no deployed stack has the role. */
  statementsOf(roleArn: string): PolicyStatement[] | undefined;
  /** The trust policy's statements of a role. */
  trustOf(roleArn: string): Array<PolicyStatement & { Principal?: unknown }> | undefined;
  /** The ARNs of the managed policies attached to a role. */
  managedPoliciesOf(roleArn: string): string[] | undefined;
  /** The ARN of a stack CloudFormation knows by this name in the account and region. */
  stackArn(endpoint: Endpoint, stackName: string): string;
  /** The ARN of the Auto Scaling group an instance belongs to. */
  autoScalingGroupArnOf(endpoint: Endpoint, instanceId: string): string;
  /** The tags a resource carries now, which IAM reads as `aws:ResourceTag/<key>`. */
  resourceTags(endpoint: Endpoint, resourceArn: string): Promise<Record<string, string>>;
}

/** IAM's service prefix where it differs from the SDK's service name. */
const IAM_PREFIX: Record<string, string> = { resourcegroupstaggingapi: 'tag', sfn: 'states' };

/** The resources a request acts on; an entry may name another action that AWS checks for the same request (`iam:PassRole`). */
type Resources = Array<{ resource: string; context?: AuthorizationRequest['context']; action?: string }>;
type ResourceMapping = (request: any, at: Endpoint, roles: RoleDirectory) => Resources;

const any: ResourceMapping = () => [{ resource: '*' }];
const parameterArn = (at: Endpoint, name: string) => `arn:aws:ssm:${at.region}:${at.account}:parameter/${name.replace(/^\//, '').replace(/:[^/:]+$/, '')}`;
const stack: ResourceMapping = (request, at, roles) => [{
  resource: roles.stackArn(at, request.StackName),
  context: request.RoleARN === undefined ? undefined : { 'cloudformation:RoleArn': String(request.RoleARN) },
}];
/** A stack operation that names a service role passes it to CloudFormation, which IAM checks as `iam:PassRole`. */
const stackWithRole: ResourceMapping = (request, at, roles) => [...stack(request, at, roles), ...request.RoleARN === undefined ? [] : [{
  action: 'iam:PassRole', resource: String(request.RoleARN), context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
}]];
const ec2Arn = (at: Endpoint, id: string) => (id.startsWith('ami-') ? `arn:aws:ec2:${at.region}::image/${id}`
  : id.startsWith('i-') ? `arn:aws:ec2:${at.region}:${at.account}:instance/${id}`
    : id.startsWith('snap-') ? `arn:aws:ec2:${at.region}::snapshot/${id}`
      : id.startsWith('vol-') ? `arn:aws:ec2:${at.region}:${at.account}:volume/${id}` : `arn:aws:ec2:${at.region}:${at.account}:${id}`);
const tagContext = (tags: Array<{ Key: string; Value?: string }> | undefined, withValues: boolean) => (tags === undefined ? {} : {
  ...withValues ? Object.fromEntries(tags.map((tag) => [`aws:RequestTag/${tag.Key}`, tag.Value ?? ''])) : {},
  'aws:TagKeys': tags.map((tag) => tag.Key),
});
const imageBuilderArn = (at: Endpoint, kind: string, path: string) => `arn:aws:imagebuilder:${at.region}:${at.account}:${kind}/${path}`;
const requestTags = (tags: Record<string, string> | undefined) => (tags === undefined ? {}
  : { ...Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:RequestTag/${key}`, value])), 'aws:TagKeys': Object.keys(tags) });

/** The image a scan list call filters on, or none. */
const filteredImage = (filter: { Name: string; Values: string[] } | undefined) => (filter?.Name === 'imageBuildVersionArn' ? filter.Values[0] : '*');

/** The resources of each action the workflows call, as IAM sees them. */
const RESOURCES: Record<string, ResourceMapping> = {
  'ssm:GetParameter': (request, at) => [{ resource: parameterArn(at, request.Name) }],
  'ssm:GetParameters': (request, at) => request.Names.map((name: string) => ({ resource: parameterArn(at, name) })),
  'ssm:PutParameter': (request, at) => [{ resource: parameterArn(at, request.Name) }],
  'ssm:LabelParameterVersion': (request, at) => [{ resource: parameterArn(at, request.Name) }],
  'ssm:GetParameterHistory': (request, at) => [{ resource: parameterArn(at, request.Name) }],
  'ssm:ListCommandInvocations': any,
  'cloudformation:DescribeStacks': stack,
  'cloudformation:DescribeStackEvents': stack,
  'cloudformation:UpdateStack': stackWithRole,
  'cloudformation:CancelUpdateStack': stack,
  'ec2:CreateTags': (request, at) => request.Resources.map((id: string) => ({ resource: ec2Arn(at, id), context: tagContext(request.Tags, true) })),
  'ec2:DeleteTags': (request, at) => request.Resources.map((id: string) => ({ resource: ec2Arn(at, id), context: tagContext(request.Tags, false) })),
  // Its snapshots too, with DeleteAssociatedSnapshots: which action AWS checks for them is not documented; the image is what is checked here.
  'ec2:DeregisterImage': (request, at) => [{ resource: ec2Arn(at, request.ImageId) }],
  'ec2:DescribeTags': any,
  'ec2:DescribeImages': any,
  'ec2:DescribeSnapshots': any,
  'ec2:DescribeInstances': any,
  'ec2:DescribeInstanceConnectEndpoints': any,
  'ec2:DescribeVolumes': any,
  // No resource types in the Service Authorization Reference: IAM authorizes it for every resource.
  'autoscaling:DescribeScalingActivities': any,
  // AttachVolume is authorized for the volume and for the instance.
  'ec2:AttachVolume': (request, at) => [{ resource: ec2Arn(at, request.VolumeId) }, { resource: ec2Arn(at, request.InstanceId) }],
  // CreateSnapshot is authorized for the volume and for the snapshot it creates (with its request tags); tags
  // given at creation are also checked as CreateTags on the snapshot, with the creating action.
  'ec2:CreateSnapshot': (request, at) => {
    const tags = (request.TagSpecifications ?? []).flatMap((specification: any) => specification.Tags ?? []);
    const snapshot = `arn:aws:ec2:${at.region}::snapshot/*`;
    return [
      { resource: ec2Arn(at, request.VolumeId) },
      { resource: snapshot, context: tagContext(request.TagSpecifications && tags, true) },
      ...tags.length === 0 ? [] : [{ action: 'ec2:CreateTags', resource: snapshot, context: { ...tagContext(tags, true), 'ec2:CreateAction': 'CreateSnapshot' } }],
    ];
  },
  'kms:CreateGrant': (request) => [{
    resource: request.KeyId,
    context: { 'kms:GranteePrincipal': request.GranteePrincipal, 'kms:GrantOperations': request.Operations },
  }],
  'imagebuilder:GetImage': (request) => [{ resource: request.ImageBuildVersionArn }],
  'imagebuilder:CancelImageCreation': (request) => [{ resource: request.ImageBuildVersionArn }],
  'imagebuilder:DeleteImage': (request) => [{ resource: request.ImageBuildVersionArn }],
  'imagebuilder:CreateImageRecipe': (request, at) => [{
    resource: imageBuilderArn(at, 'image-recipe', `${request.Name.toLowerCase()}/${request.SemanticVersion}`), context: requestTags(request.Tags),
  }],
  'imagebuilder:DeleteImageRecipe': (request) => [{ resource: request.ImageRecipeArn }],
  'imagebuilder:CreateDistributionConfiguration': (request, at) => [{
    resource: imageBuilderArn(at, 'distribution-configuration', request.Name.toLowerCase()), context: requestTags(request.Tags),
  }],
  'imagebuilder:GetDistributionConfiguration': (request) => [{ resource: request.DistributionConfigurationArn }],
  'imagebuilder:DeleteDistributionConfiguration': (request) => [{ resource: request.DistributionConfigurationArn }],
  // The image a build creates is named after its recipe version, first build.
  'imagebuilder:CreateImage': (request) => [{
    resource: `${request.ImageRecipeArn.replace(':image-recipe/', ':image/')}/1`, context: requestTags(request.Tags),
  }],
  'imagebuilder:TagResource': (request) => [{ resource: request.ResourceArn, context: requestTags(request.Tags) }],
  'imagebuilder:UntagResource': (request) => [{ resource: request.ResourceArn, context: { 'aws:TagKeys': request.TagKeys } }],
  'imagebuilder:ListTagsForResource': (request) => [{ resource: request.ResourceArn }],
  // A list call is authorized for the image its filter names (an optional resource type of the
  // action), and for no resource when it names none: an assumption a real account has to confirm.
  'imagebuilder:ListImageScanFindingAggregations': (request) => [{ resource: filteredImage(request.Filter) }],
  'imagebuilder:ListImageScanFindings': (request) => [{ resource: filteredImage(request.Filters?.[0]) }],
  'tag:GetResources': any,
  'codepipeline:ListPipelineExecutions': (request, at) => [{ resource: `arn:aws:codepipeline:${at.region}:${at.account}:${request.PipelineName}` }],
  'codepipeline:ListActionExecutions': (request, at) => [{ resource: `arn:aws:codepipeline:${at.region}:${at.account}:${request.PipelineName}` }],
  'codepipeline:StartPipelineExecution': (request, at) => [{ resource: `arn:aws:codepipeline:${at.region}:${at.account}:${request.Name}` }],
  'cloudwatch:DescribeAlarms': (request, at) => (request.AlarmNames ?? []).map((name: string) => ({ resource: `arn:aws:cloudwatch:${at.region}:${at.account}:alarm:${name}` })),
  'states:StartSyncExecution': (request) => [{ resource: request.StateMachineArn }],
  'autoscaling:DescribeAutoScalingInstances': any,
  'autoscaling:TerminateInstanceInAutoScalingGroup': (request, at, roles) => [{ resource: roles.autoScalingGroupArnOf(at, request.InstanceId) }],
  'autoscaling:CompleteLifecycleAction': (request, at) => [{ resource: autoScalingGroupArn(at, request.AutoScalingGroupName) }],
  'autoscaling:RecordLifecycleActionHeartbeat': (request, at) => [{ resource: autoScalingGroupArn(at, request.AutoScalingGroupName) }],
};

export class IamAuthorizer {
  constructor(private readonly roles: RoleDirectory) {}

  /** Why IAM would refuse the call, or undefined when it allows it. */
  public async denial(caller: Caller, service: string, action: string, request: any): Promise<string | undefined> {
    const iamAction = `${IAM_PREFIX[service] ?? service}:${operationName(action)}`;
    if (!isKnownAction(iamAction)) {
      return `${iamAction} is not an action of the IAM Service Authorization Reference`;
    }
    const mapping = RESOURCES[iamAction];
    if (!mapping) return `the harness does not know which resources ${iamAction} acts on: add it to scripts/lib/journey/authorization.ts`;
    const requests = await Promise.all(mapping(request, caller, this.roles).map(async ({ resource, context, action: checkedAction }) => {
      const tags = resource === '*' || checkedAction !== undefined ? {} : await this.roles.resourceTags(caller, resource);
      const resourceTags = Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));
      return { action: checkedAction ?? iamAction, resource, context: { ...resourceTags, ...context } };
    }));
    return this.refusal(caller.roleArn, requests);
  }

  /** Why `callerRoleArn` may not assume `roleArn`, or undefined when it may. */
  public assumeRoleDenial(callerRoleArn: string, roleArn: string): string | undefined {
    const refused = this.refusal(callerRoleArn, [{ action: 'sts:AssumeRole', resource: roleArn }]);
    if (refused) return refused;
    const callerAccount = callerRoleArn.split(':')[4];
    return this.trustDenial(roleArn, callerRoleArn, [callerRoleArn, callerAccount, `arn:aws:iam::${callerAccount}:root`], { 'aws:PrincipalArn': callerRoleArn });
  }

  /**
   * Why the role's trust policy does not let `who` assume it, or undefined when it does: a
   * statement must name one of `principals` (a role, its account, a service) and its conditions
   * must hold with the request's `context`.
   */
  public trustDenial(roleArn: string, who: string, principals: string[], context: Record<string, string>): string | undefined {
    const trust = this.roles.trustOf(roleArn);
    if (!trust) return `role ${roleArn} does not exist in any deployed stack`;
    const trusted = trust.some(({ Principal: principal, ...statement }) => statement.Effect === 'Allow'
      && principalsOf(principal).some((name) => principals.includes(name))
      && evaluate([{ ...statement, Resource: '*' }], { action: 'sts:AssumeRole', resource: '*', context }) === 'ALLOWED');
    return trusted ? undefined : `the trust policy of ${roleArn} does not trust ${who}`;
  }

  /** The managed policies of a deployed role, or undefined when no deployed stack has it. */
  public managedPoliciesOf(roleArn: string): string[] | undefined {
    return this.roles.managedPoliciesOf(roleArn);
  }

  /** Why IAM would refuse the role one of the requests, or undefined when it allows them all. */
  public refusal(roleArn: string, requests: AuthorizationRequest[]): string | undefined {
    const statements = this.roles.statementsOf(roleArn);
    if (!statements) return `role ${roleArn} does not exist in any deployed stack`;
    for (const request of requests) {
      const decision = evaluate(statements, request);
      if (decision !== 'ALLOWED') {
        return `IAM refuses ${request.action} on ${request.resource} for ${roleArn} (${decision}${request.context && Object.keys(request.context).length > 0 ? `, with ${JSON.stringify(request.context)}` : ''})`;
      }
    }
    return undefined;
  }
}

function principalsOf(principal: unknown): string[] {
  if (principal === undefined) return [];
  if (typeof principal === 'string') return [principal];
  return Object.values(principal as Record<string, string | string[]>).flatMap((value) => (Array.isArray(value) ? value : [value]));
}
