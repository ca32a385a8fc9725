import { AssemblyStack, Template } from './cloud-assembly';
import { Location, uniqueLocations } from './location';
import { APPLICATION_TAG_KEY } from '../../private/shared/release-tags';

/** A resource the command finds by the exact name the assembly gives it. */
export interface NamedResource {
  readonly location: Location;
  readonly name: string;
  /** Where the assembly names it, for the report. */
  readonly namedBy: string;
}

/**
 * The images of one `ApplicationImageRecipe`. Image Builder names what the recipe makes after its
 * group: the recipe `<group>-<content hash>`, its images after the recipe, and each bake's recipe
 * version and distribution configuration `<group>-<content hash>-<uuid>`.
 */
export interface ImageGroup {
  /** The application the recipe installs, which every AMI copy carries as a tag. */
  readonly application: string;
  /** The recipe's distribution configuration's name, which is its group's. */
  readonly name: string;
  /** Where it builds: its Image Builder resources and build logs are there. */
  readonly location: Location;
  /** Every account and region that keeps an AMI of its own of each build. */
  readonly amiLocations: Location[];
  /** The parameters Image Builder points at each new AMI, which it writes outside CloudFormation. */
  readonly amiIdParameters: NamedResource[];
}

/**
 * What an assembly's applications leave outside CloudFormation, by the names and tags its
 * templates give them, and where to look for it.
 */
export interface Footprint {
  readonly stacks: AssemblyStack[];
  readonly imageGroups: ImageGroup[];
  /** Release ledger parameters: each ledger stack creates them once and never deletes them. */
  readonly ledgerParameters: NamedResource[];
  /** The applications of the assembly's recipes and of its ledgers under the default prefix. */
  readonly applications: string[];
  /** Every account and region the stacks deploy to or the recipes copy AMIs to. */
  readonly locations: Location[];
}

const IMAGE_ID_PARAMETER = 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>';
/** The ledger's AMI parameter, `<prefix>/release/ami`, as `RollingAsgDeployment` names it. */
const LEDGER_AMI = /^(.+\/release\/)ami$/;
/** The prefix a `RollingAsgDeployment` gives its parameters unless told otherwise. */
const DEFAULT_PREFIX = /^\/immutable-servers\/([^/]+)\/[^/]+\/release\/$/;

export function footprintOf(stacks: AssemblyStack[]): Footprint {
  const imageGroups = stacks.flatMap(imageGroupsOf);
  const ledgers = stacks.flatMap(ledgersOf);
  const ledgerApplications = ledgers.flatMap((ledger) => DEFAULT_PREFIX.exec(ledger.prefix)?.[1] ?? []);
  const ledgerParameters = ledgers.flatMap((ledger) => ledger.parameters);
  return {
    stacks,
    imageGroups,
    ledgerParameters,
    applications: [...new Set([...imageGroups.map((group) => group.application), ...ledgerApplications])].sort(),
    locations: uniqueLocations([
      ...stacks.map((stack) => stack.location),
      ...imageGroups.flatMap((group) => [...group.amiLocations, ...group.amiIdParameters.map((parameter) => parameter.location)]),
    ]),
  };
}

/**
 * The recipes of a stack, by their distribution configurations: the library's are those whose AMI
 * tags name the application (`ApplicationImageRecipe` puts the tag on every copy).
 */
function imageGroupsOf(stack: AssemblyStack): ImageGroup[] {
  return resourcesOf(stack.templates, 'AWS::ImageBuilder::DistributionConfiguration').flatMap((properties): ImageGroup[] => {
    const distributions: any[] = Array.isArray(properties?.Distributions) ? properties.Distributions : [];
    const application = distributions.map((distribution) => distribution.AmiDistributionConfiguration?.AmiTags?.[APPLICATION_TAG_KEY]).find(isText);
    if (application === undefined || !isText(properties.Name)) return [];
    const buildAccount = stack.location.account;
    const regionOf = (distribution: any) => (isText(distribution.Region) ? [distribution.Region] : []);
    return [{
      application,
      name: properties.Name,
      location: stack.location,
      amiLocations: distributions.flatMap((distribution) => regionOf(distribution).flatMap((region) => {
        const copiedTo: unknown[] = distribution.AmiDistributionConfiguration?.TargetAccountIds ?? [];
        return [buildAccount, ...copiedTo].filter(isText).map((account) => ({ account, region }));
      })),
      amiIdParameters: distributions.flatMap((distribution) => regionOf(distribution).flatMap((region) =>
        (distribution.SsmParameterConfigurations ?? []).filter((parameter: any) => isText(parameter.ParameterName)).map((parameter: any) => ({
          location: { account: isText(parameter.AmiAccountId) ? parameter.AmiAccountId : buildAccount, region },
          name: parameter.ParameterName,
          namedBy: `the distribution of image recipe ${properties.Name} (stack ${stack.name})`,
        })))),
    }];
  });
}

/**
 * The ledgers an environment stack reads: its parameters of SSM types whose defaults name them
 * (see `LedgerReference`), the AMI's among them.
 */
function ledgersOf(stack: AssemblyStack): Array<{ prefix: string; parameters: NamedResource[] }> {
  return stack.templates.flatMap((template) => {
    const defaults = Object.values(template.Parameters ?? {});
    const prefixes = defaults.filter((parameter) => parameter.Type === IMAGE_ID_PARAMETER && isText(parameter.Default))
      .flatMap((parameter) => LEDGER_AMI.exec(parameter.Default as string)?.[1] ?? []);
    return prefixes.map((prefix) => ({
      prefix,
      parameters: defaults
        .filter((parameter) => parameter.Type.startsWith('AWS::SSM::Parameter::Value<') && isText(parameter.Default) && parameter.Default.startsWith(prefix))
        .map((parameter) => ({ location: stack.location, name: parameter.Default as string, namedBy: `the ledger of stack ${stack.name}` })),
    }));
  });
}

function resourcesOf(templates: Template[], type: string): any[] {
  return templates.flatMap((template) => Object.values(template.Resources ?? {}))
    .filter((resource) => resource.Type === type)
    .map((resource) => resource.Properties);
}

function isText(value: unknown): value is string {
  return typeof value === 'string';
}
