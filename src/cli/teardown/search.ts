import { findAmis } from './amis';
import { AwsClients } from './aws-access';
import { findBucket } from './buckets';
import { madeByLibrary } from './cloud-assembly';
import { findDataVolumes } from './data-volumes';
import { Footprint, ImageGroup } from './footprint';
import { findImageBuilderLeftovers, recipeNamePattern } from './image-builder';
import { findKey } from './keys';
import { LeftAlone, Leftover, LeftoverKind, SearchFailure, causeOf, isLeftover } from './leftover';
import { Location, locationKey } from './location';
import { findLogGroup, findLogGroups } from './log-groups';
import { findParameters } from './parameters';
import { DeployedStack, RecordedResource, leftoverOf, readStackRecords } from './stack-records';

/** What to look for, beyond what the assembly names. */
export interface SearchScope {
  readonly footprint: Footprint;
  /** The applications whose AMIs are the assembly's: those its recipes build. */
  readonly amiApplications: string[];
  /** Every application of the assembly: a data volume tagged with another is not the assembly's. */
  readonly applications: string[];
  /** The waiting period of the keys' deletion, in days. */
  readonly keyPendingWindowDays: number;
}

export interface LocationSearch {
  readonly deployed: Array<DeployedStack & { readonly location: Location }>;
  /** Whether CloudFormation could not say which of the stacks here are deployed. */
  readonly stacksInDoubt: boolean;
  readonly leftovers: Leftover[];
  /** What the searches came upon that is not the library's: never deleted. */
  readonly leftAlone: LeftAlone[];
  readonly failures: SearchFailure[];
}

type Search = readonly [what: string, find: () => Promise<Array<Leftover | LeftAlone>>];

/**
 * Everything the assembly's applications left in one account and region. Each search that fails is
 * reported and the others go on, so that one missing permission hides nothing else.
 */
export async function searchLocation(location: Location, clients: AwsClients, scope: SearchScope): Promise<LocationSearch> {
  const here = (candidate: Location) => locationKey(candidate) === locationKey(location);
  const failures: SearchFailure[] = [];
  const stackNames = scope.footprint.stacks.filter((stack) => here(stack.location)).map((stack) => stack.name);
  let deployed: DeployedStack[] = [];
  let stacksInDoubt = false;
  const searches: Search[] = [];
  const recordedVolumes: Array<{ volumeId: string; stackName: string }> = [];
  if (stackNames.length > 0) {
    try {
      const records = await readStackRecords(clients.cloudFormation, stackNames);
      deployed = records.deployed;
      const stacks = scope.footprint.stacks.filter((stack) => here(stack.location));
      searches.push(...records.resources.flatMap((resource) => {
        const stack = stacks.find((candidate) => candidate.name === resource.stackName);
        const ofTheLibrary = stack !== undefined && madeByLibrary(stack, resource.logicalId);
        if (ofTheLibrary && leftoverOf(resource)?.kind === LeftoverKind.DATA_VOLUME) {
          recordedVolumes.push({ volumeId: resource.physicalId, stackName: resource.stackName });
        }
        return retainedResourceSearches(clients, location, resource, ofTheLibrary, scope.keyPendingWindowDays);
      }));
    } catch (error) {
      stacksInDoubt = true;
      failures.push({ location, search: `stacks ${stackNames.join(', ')} and what they retained`, cause: causeOf(error) });
    }
    searches.push([`data volumes of ${stackNames.join(', ')} and their snapshots`,
      () => findDataVolumes(clients.ec2, location, { stackNames, applications: scope.applications, recordedVolumes })]);
  }
  searches.push(
    ...scope.footprint.imageGroups.filter((group) => here(group.location)).flatMap((group) => imageGroupSearches(clients, group)),
    ...scope.amiApplications.map((application): Search => [`AMIs of ${application}`,
      () => findAmis(clients.ec2, location, application, scope.footprint.imageGroups.filter((group) => group.application === application))]),
  );
  const parameters = [
    ...scope.footprint.ledgerParameters,
    ...scope.footprint.imageGroups.flatMap((group) => group.amiIdParameters),
  ].filter((parameter) => here(parameter.location));
  if (parameters.length > 0) {
    searches.push(['ledger and AMI id parameters', () => findParameters(clients.ssm, location, parameters)]);
  }

  const leftovers: Leftover[] = [];
  const leftAlone: LeftAlone[] = [];
  for (const [what, find] of searches) {
    try {
      for (const found of await find()) {
        if (isLeftover(found)) leftovers.push(found);
        else leftAlone.push(found);
      }
    } catch (error) {
      failures.push({ location, search: what, cause: causeOf(error) });
    }
  }
  return {
    deployed: deployed.map((stack) => ({ ...stack, location })),
    stacksInDoubt,
    leftovers: withoutDuplicates(leftovers),
    leftAlone: withoutDuplicates(leftAlone),
    failures,
  };
}

/**
 * A search for what a deleted stack's resource may have left, if anything. Only what the library's
 * constructs made is looked for: what else the stacks retained (a data bucket of the app's, a key
 * whose snapshots are kept) is listed as left alone, and what the app's own functions and projects
 * logged is not the command's business. The library's data volumes are looked for with their
 * snapshots (see `findDataVolumes`).
 */
function retainedResourceSearches(clients: AwsClients, location: Location, resource: RecordedResource, ofTheLibrary: boolean,
  keyPendingWindowDays: number): Search[] {
  const leftover = leftoverOf(resource);
  if (leftover !== undefined && !ofTheLibrary) {
    if (!leftover.retained) return [];
    const why = `${leftover.foundBy}; ${resource.type} ${resource.logicalId} is not made by cdk-immutable-servers`;
    return [[`${leftover.kind} ${leftover.id}`, async () => [{ kind: leftover.kind, location, id: leftover.id, why }]]];
  }
  switch (leftover?.kind) {
    case LeftoverKind.BUCKET: return [[`bucket ${leftover.id}`, () => findBucket(clients.s3, location, leftover.id, leftover.foundBy)]];
    case LeftoverKind.LOG_GROUP: return [[`log group ${leftover.id}`, () => findLogGroup(clients.logs, location, leftover.id, leftover.foundBy)]];
    case LeftoverKind.KMS_KEY: return [[`key ${leftover.id}`, () => findKey(clients.kms, location, leftover.id, leftover.foundBy, keyPendingWindowDays)]];
    default: return [];
  }
}

/**
 * A recipe's Image Builder leftovers, and the log groups Image Builder writes its builds' and its
 * pipeline's logs to (`/aws/imagebuilder/<image name>`, `/aws/imagebuilder/pipeline/<pipeline name>`;
 * the pipeline is named after the group).
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/monitor-cwlogs.html
 */
function imageGroupSearches(clients: AwsClients, group: ImageGroup): Search[] {
  const images = recipeNamePattern(group.name);
  const buildLogs = '/aws/imagebuilder/';
  const pipelineLogs = `/aws/imagebuilder/pipeline/${group.name}`;
  return [
    [`Image Builder resources of ${group.name}`, () => findImageBuilderLeftovers(clients.imageBuilder, group)],
    [`build logs of ${group.name}`, () => findLogGroups(clients.logs, group.location, `${buildLogs}${group.name}-`,
      (name) => images.test(name.slice(buildLogs.length)), `name ${buildLogs}${group.name}-<recipe hash>[-<bake>]`)],
    [`pipeline logs of ${group.name}`, () => findLogGroup(clients.logs, group.location, pipelineLogs, `name ${pipelineLogs}`)],
  ];
}

/** A resource found twice (by two stacks' records, say) is deleted once. */
function withoutDuplicates<T extends Leftover | LeftAlone>(leftovers: T[]): T[] {
  const byKey = new Map<string, T>();
  for (const leftover of leftovers) {
    const key = `${leftover.kind}/${leftover.id}`;
    if (!byKey.has(key)) byKey.set(key, leftover);
  }
  return [...byKey.values()];
}
