/**
 * Image Builder's lifecycle policies, run once a simulated day as AWS documents them: the images
 * the policy selects by tag, newest first; rules in the order deprecate, disable, delete, at most
 * one action per image per run, and an action only when it changes something; an AGE filter on
 * the image resource's creation date, a COUNT filter per recipe version; an image that carries an
 * exclusion tag is skipped with all its AMIs; an AMI that carries an AMI exclusion tag is skipped,
 * but the image is deleted around it, which leaves that AMI outside every later run.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/lifecycle-policy-execution.html
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-rules.html
 */
import { ContractViolation } from '../aws-api';
import { ImageBuilderSimulation, SimulatedAmi, SimulatedImage } from './image-builder';
import { MotoClients } from './moto-services';

const RULE_ORDER = ['DEPRECATE', 'DISABLE', 'DELETE'];
const DAY_MS = 24 * 3600 * 1000;

export interface LifecycleRun {
  readonly deprecated: string[];
  readonly deleted: string[];
  /** AMIs an exclusion kept while their image went: no later run reaches them. */
  readonly orphaned: SimulatedAmi[];
}

export async function runLifecyclePolicy(policy: any, imageBuilder: ImageBuilderSimulation, moto: MotoClients, now: Date): Promise<LifecycleRun> {
  const run: LifecycleRun = { deprecated: [], deleted: [], orphaned: [] };
  if (policy.Status !== 'ENABLED' || policy.ResourceType !== 'AMI_IMAGE') return run;
  const selection: Record<string, string> = policy.ResourceSelection?.TagMap ?? {};
  const selected = imageBuilder.liveImages
    .filter((image) => image.status !== 'BUILDING' && Object.entries(selection).every(([key, value]) => image.tags[key] === value))
    .sort((a, b) => b.created.getTime() - a.created.getTime());
  const rules = [...policy.PolicyDetails].sort((a: any, b: any) => RULE_ORDER.indexOf(a.Action.Type) - RULE_ORDER.indexOf(b.Action.Type));
  for (const image of selected) {
    for (const rule of rules) {
      if (!beyondFilter(image, rule.Filter, selected, now)) continue;
      if (matchesTags(image.tags, rule.ExclusionRules?.TagMap)) continue;
      if (rule.Action.Type === 'DEPRECATE' && image.status !== 'DEPRECATED' && image.status !== 'FAILED' && image.status !== 'CANCELLED') {
        image.status = 'DEPRECATED';
        run.deprecated.push(image.arn);
        break;
      }
      if (rule.Action.Type === 'DELETE') {
        const kept: SimulatedAmi[] = [];
        for (const ami of image.amis) {
          if (rule.Action.IncludeResources?.Amis && !(await amiExcluded(ami, rule.ExclusionRules?.Amis?.TagMap, moto))) {
            const refused = ami.accountId === buildAccountOf(image) ? undefined : imageBuilder.crossAccountRoleDenial('lifecycle', ami.accountId, image.arn);
            if (refused) throw new ContractViolation(`Image Builder's lifecycle policy could not delete ${ami.image} in account ${ami.accountId}: ${refused}`);
            await moto.send('ec2', 'DeregisterImage', { ImageId: ami.image }, { account: ami.accountId, region: ami.region });
          } else {
            kept.push(ami);
          }
        }
        image.status = 'DELETED';
        run.deleted.push(image.arn);
        run.orphaned.push(...kept);
        break;
      }
    }
  }
  return run;
}

function buildAccountOf(image: SimulatedImage): string {
  return image.arn.split(':')[4];
}

function beyondFilter(image: SimulatedImage, filter: any, selected: SimulatedImage[], now: Date): boolean {
  if (image.status === 'FAILED' || image.status === 'CANCELLED') return true;
  if (filter.Type === 'AGE') {
    const days = filter.Unit === 'DAYS' ? filter.Value : filter.Unit === 'WEEKS' ? 7 * filter.Value : filter.Unit === 'MONTHS' ? 30 * filter.Value : 365 * filter.Value;
    return now.getTime() - image.created.getTime() >= days * DAY_MS;
  }
  // COUNT: the newest `Value` images of each recipe version stay; failed ones take no slot.
  const sameRecipe = selected.filter((candidate) => candidate.recipeArn === image.recipeArn && candidate.status !== 'FAILED' && candidate.status !== 'CANCELLED');
  return sameRecipe.indexOf(image) >= filter.Value;
}

function matchesTags(tags: Record<string, string>, exclusion: Record<string, string> | undefined): boolean {
  return exclusion !== undefined && Object.entries(exclusion).some(([key, value]) => tags[key] === value);
}

async function amiExcluded(ami: SimulatedAmi, exclusion: Record<string, string> | undefined, moto: MotoClients): Promise<boolean> {
  if (!exclusion) return false;
  const { Images } = await moto.send('ec2', 'DescribeImages', { ImageIds: [ami.image] }, { account: ami.accountId, region: ami.region });
  const tags = Object.fromEntries((Images[0]?.Tags ?? []).map((tag: any) => [tag.Key, tag.Value]));
  return matchesTags(tags, exclusion);
}
