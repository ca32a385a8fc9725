import {
  CloudFormationClient, StackResourceSummary, StackSummary, paginateListStackResources, paginateListStacks,
} from '@aws-sdk/client-cloudformation';
import { LeftoverKind } from './leftover';

/** A stack of the assembly that CloudFormation has not deleted (whatever its status). */
export interface DeployedStack {
  readonly name: string;
  readonly status: string;
}

/** A resource that a deleted stack of the assembly had, as CloudFormation recorded it. */
export interface RecordedResource {
  readonly type: string;
  /** Its id in its template, the top-level stack's or a nested stack's. */
  readonly logicalId: string;
  readonly physicalId: string;
  /** What CloudFormation did with it when it deleted the stack: DELETE_SKIPPED when it retained it. */
  readonly status: string;
  /** The top-level stack it belonged to, nested stacks included. */
  readonly stackName: string;
}

/** What a deleted stack's resource may have left behind: itself, or a log group its service created. */
export interface RecordedLeftover {
  readonly kind: LeftoverKind.BUCKET | LeftoverKind.LOG_GROUP | LeftoverKind.KMS_KEY | LeftoverKind.DATA_VOLUME;
  /** The bucket's or log group's name, or the key's or volume's id. */
  readonly id: string;
  readonly foundBy: string;
  /** Whether it is the resource itself, which CloudFormation retained, rather than what its service made. */
  readonly retained: boolean;
}

export interface StackRecords {
  readonly deployed: DeployedStack[];
  readonly resources: RecordedResource[];
}

const DELETED = 'DELETE_COMPLETE';
/** A resource CloudFormation left in place when it deleted its stack (its DeletionPolicy, say Retain). */
const RETAINED = 'DELETE_SKIPPED';

/**
 * What CloudFormation knows of the named stacks in one account and region: those still deployed,
 * and every resource of those it deleted, nested stacks' included. CloudFormation keeps a deleted
 * stack's record, resources retained on deletion among them, for 90 days.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackResources.html
 */
export async function readStackRecords(cloudFormation: CloudFormationClient, stackNames: string[]): Promise<StackRecords> {
  const wanted = new Set(stackNames);
  const summaries: StackSummary[] = [];
  for await (const page of paginateListStacks({ client: cloudFormation }, {})) {
    summaries.push(...(page.StackSummaries ?? []).filter((summary) => wanted.has(summary.StackName!)));
  }
  const resources: RecordedResource[] = [];
  // A stack deleted and created again has one record per incarnation; each may have retained resources.
  for (const deleted of summaries.filter((summary) => summary.StackStatus === DELETED)) {
    resources.push(...await recordedResources(cloudFormation, deleted.StackId!, deleted.StackName!));
  }
  return {
    deployed: summaries
      .filter((summary) => summary.StackStatus !== DELETED)
      .map((summary) => ({ name: summary.StackName!, status: summary.StackStatus! })),
    resources,
  };
}

/** A deleted stack's resources and its nested stacks', by stack id (the only way to name a deleted stack). */
async function recordedResources(cloudFormation: CloudFormationClient, stackId: string, stackName: string): Promise<RecordedResource[]> {
  const summaries: StackResourceSummary[] = [];
  for await (const page of paginateListStackResources({ client: cloudFormation }, { StackName: stackId })) {
    summaries.push(...page.StackResourceSummaries ?? []);
  }
  const resources: RecordedResource[] = [];
  for (const summary of summaries.filter((resource) => resource.PhysicalResourceId)) {
    if (summary.ResourceType === 'AWS::CloudFormation::Stack') {
      // A nested stack's physical id is its stack id.
      resources.push(...await recordedResources(cloudFormation, summary.PhysicalResourceId!, stackName));
    } else {
      resources.push({
        type: summary.ResourceType!,
        logicalId: summary.LogicalResourceId!,
        physicalId: summary.PhysicalResourceId!,
        status: summary.ResourceStatus!,
        stackName,
      });
    }
  }
  return resources;
}

/**
 * What a resource of a deleted stack may have left: the buckets, log groups, keys and EBS volumes
 * CloudFormation retained (DELETE_SKIPPED; CDK retains the first three by default, a deployment its
 * data volumes), and the log groups that Lambda and
 * CodeBuild create outside CloudFormation for a stack's functions and build projects. A bucket, log
 * group or key CloudFormation deleted left nothing: one of its name now is someone else's. Whether
 * each is still there is for its service to say.
 */
export function leftoverOf(resource: RecordedResource): RecordedLeftover | undefined {
  const keptBy = `kept by stack ${resource.stackName} when it was deleted`;
  const logsOf = (service: string): RecordedLeftover => ({
    kind: LeftoverKind.LOG_GROUP,
    id: `/aws/${service}/${resource.physicalId}`,
    foundBy: `written by ${resource.type} ${resource.physicalId} of stack ${resource.stackName}`,
    retained: false,
  });
  const retained = (kind: RecordedLeftover['kind']): RecordedLeftover | undefined =>
    (resource.status === RETAINED ? { kind, id: resource.physicalId, foundBy: keptBy, retained: true } : undefined);
  switch (resource.type) {
    case 'AWS::S3::Bucket': return retained(LeftoverKind.BUCKET);
    case 'AWS::Logs::LogGroup': return retained(LeftoverKind.LOG_GROUP);
    case 'AWS::KMS::Key': return retained(LeftoverKind.KMS_KEY);
    case 'AWS::EC2::Volume': return retained(LeftoverKind.DATA_VOLUME);
    case 'AWS::Lambda::Function': return logsOf('lambda');
    case 'AWS::CodeBuild::Project': return logsOf('codebuild');
    default: return undefined;
  }
}
