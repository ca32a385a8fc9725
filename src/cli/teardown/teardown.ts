import { AwsAccess } from './aws-access';
import { UsageError, readCloudAssembly } from './cloud-assembly';
import { Outcome, deleteInOrder, listInDeletionOrder } from './deletion';
import { Footprint, footprintOf } from './footprint';
import { LeftAlone, SearchFailure, causeOf } from './leftover';
import { Location, locationKey } from './location';
import { LocationSearch, searchLocation } from './search';
import { DeployedStack } from './stack-records';

export interface TeardownRequest {
  /** The synthesized app: `cdk.out`. */
  readonly assemblyDirectory: string;
  /** The applications the assembly holds, each named: the command tears down all of them. */
  readonly applications: string[];
  /** Delete what is found; otherwise only list it. */
  readonly delete: boolean;
  /**
   * With `delete`, delete the data too: the deployments' data volumes that are not attached, and
   * the snapshots releases took of them. Otherwise they are listed and kept.
   */
  readonly deleteData?: boolean;
  /** The waiting period of the keys' deletion, 7 to 30 days. */
  readonly keyPendingWindowDays: number;
}

export interface TeardownResult {
  readonly request: TeardownRequest;
  readonly footprint: Footprint;
  /** Stacks of the assembly that CloudFormation still has. */
  readonly deployed: Array<DeployedStack & { readonly location: Location }>;
  /** Every leftover found, in deletion order, with what became of it. */
  readonly outcomes: Outcome[];
  /** What the searches came upon that is not the library's, and why: never deleted. */
  readonly leftAlone: LeftAlone[];
  /** Searches that could not run: what they would have found may still be there. */
  readonly failures: SearchFailure[];
}

/**
 * Finds what the assembly's applications left outside CloudFormation in every account and region
 * the assembly names, and deletes it when asked: Image Builder's leftovers at once (they would stop
 * `cdk destroy`), the rest once CloudFormation has deleted every stack of the assembly.
 */
export async function teardown(request: TeardownRequest, access: AwsAccess): Promise<TeardownResult> {
  const footprint = footprintOf(readCloudAssembly(request.assemblyDirectory));
  checkApplications(request, footprint);
  const scope = {
    footprint,
    amiApplications: [...new Set(footprint.imageGroups.map((group) => group.application))],
    applications: footprint.applications,
    keyPendingWindowDays: request.keyPendingWindowDays,
  };
  const searches = await Promise.all(footprint.locations.map(async (location): Promise<LocationSearch> => {
    try {
      return await searchLocation(location, await access.clients(location), scope);
    } catch (error) {
      const stacksHere = footprint.stacks.some((stack) => locationKey(stack.location) === locationKey(location));
      return { deployed: [], stacksInDoubt: stacksHere, leftovers: [], leftAlone: [], failures: [{ location, search: 'everything', cause: causeOf(error) }] };
    }
  }));
  const deployed = searches.flatMap((search) => search.deployed);
  const leftovers = searches.flatMap((search) => search.leftovers);
  const outcomes = request.delete
    ? await deleteInOrder(leftovers, stacksInTheWay(deployed, searches), request.deleteData ?? false)
    : listInDeletionOrder(leftovers);
  return {
    request,
    footprint,
    deployed,
    outcomes,
    leftAlone: searches.flatMap((search) => search.leftAlone),
    failures: searches.flatMap((search) => search.failures),
  };
}

/**
 * The command tears down a whole assembly, as `cdk destroy --all` deletes all its stacks: every
 * application in it must be named, and only those.
 */
function checkApplications(request: TeardownRequest, footprint: Footprint): void {
  const held = footprint.applications;
  if (held.length === 0) {
    throw new UsageError(`${request.assemblyDirectory} holds no application of cdk-immutable-servers (no ApplicationImageRecipe, `
      + 'no RollingAsgDeployment with its default parameter prefix): is it the assembly of the app you deployed?');
  }
  const unknown = request.applications.filter((application) => !held.includes(application));
  const unnamed = held.filter((application) => !request.applications.includes(application));
  if (unknown.length > 0 || unnamed.length > 0) {
    throw new UsageError(`${request.assemblyDirectory} holds ${applicationsText(held)}, but the command was given ${applicationsText(request.applications)}. `
      + `It tears down a whole assembly, as cdk destroy --all deletes all its stacks: name ${held.join(' ')}`);
  }
}

function applicationsText(applications: string[]): string {
  return `application${applications.length === 1 ? '' : 's'} ${applications.join(', ')}`;
}

/** Why what waits for the stacks cannot go yet, or `undefined` once CloudFormation has deleted them all. */
function stacksInTheWay(deployed: DeployedStack[], searches: LocationSearch[]): string | undefined {
  if (deployed.length > 0) return `waits for cdk destroy --all: ${deployed.length} stack${deployed.length === 1 ? '' : 's'} still deployed`;
  if (searches.some((search) => search.stacksInDoubt)) return 'waits: CloudFormation could not be asked whether the stacks are deleted';
  return undefined;
}
