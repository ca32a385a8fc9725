import { ArnFormat, Lazy, Stack, aws_iam as iam, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { BuildableRecipe } from '../image/buildable-recipe';
import { perBuildArn } from '../image/image-builder-names';
import { reuseHorizonMinutes } from '../image/release-waits';
import { oneLine } from '../shared/jsonata';
import { RELEASE_TAG_KEYS } from '../shared/release-tags';
import { SdkCallOptions, sdkCall } from '../shared/sdk-call';

/**
 * Key of the tag that carries a bake's fingerprint, on the Image Builder image and on every AMI
 * copy it produced: a later bake with the same fingerprint reuses them.
 */
export const FINGERPRINT_TAG_KEY = RELEASE_TAG_KEYS.fingerprint;

/** What a lookup decided, in `$.reuse.decision`. */
export const REUSE_DECISIONS = {
  /** An available image of the fingerprint has a copy in every account and region of the recipe's distribution. */
  reused: 'REUSED',
  /** Images of the fingerprint exist, but none is available with every copy: `$.reuse.missing` lists what the newest available one lacks. */
  missingCopies: 'REBUILT_FOR_MISSING_COPIES',
  /**
   * An image of the fingerprint has every copy, but its lifecycle policy would delete it before a
   * promotion could release it everywhere: `$.reuse.newest` names the newest such image and its creation.
   */
  nearDeletion: 'REBUILT_NEAR_DELETION',
  /** No available image has the fingerprint. */
  noImage: 'BUILT_NO_IMAGE',
} as const;

/**
 * The states that decide whether an artifact needs a build: the parent image a build would use
 * now, the fingerprint of what would be built (the artifact's content hash, the recipe and the
 * parent image), and the images that carry it. An image is reused when it is AVAILABLE, has an
 * AMI in every account and region the recipe distributes to now, and is young enough that the
 * recipe's lifecycle policy keeps it for the longest promotion of its images (`reuseHorizonMinutes`);
 * otherwise (an environment was added where no copy exists, or the image is near its deletion)
 * the artifact is built again. The bake and the patch rebuild's check share them, so both decide alike.
 *
 * Reads `$.contentHash`; writes `$.parentImage.id`, `$.fingerprint.value`, `$.baked` and
 * `$.reuse`: `{ "decision", "image": { "arn", "amis" } }` when reused, `{ "decision", "missing" }`
 * when copies are missing, `{ "decision", "newest": { "arn", "created" } }` when near deletion.
 */
export class BakedImageLookup {
  /**
   * What the lookup needs: its parent image, the recipe's images, and the tagging API (which has
   * no resource-level permissions) that finds them.
   */
  public static statements(stack: Stack, recipe: BuildableRecipe): iam.PolicyStatement[] {
    const parent = recipe._artifactBuildSettings.parentImage;
    const images = [
      perBuildArn(stack, recipe.imageRecipeName),
      // Managed parent images resolve `x.x.x` to a version; a recipe's (`BaseImage.fromRecipe`) any version.
      ...parent.startsWith('arn:') && !parent.includes(':aws:image/') ? [`${parent.replace(/\/x\.x\.x$/, '')}/*`]
        : [stack.formatArn({ service: 'imagebuilder', account: 'aws', resource: 'image', resourceName: '*' })],
    ];
    return [
      new iam.PolicyStatement({ actions: ['tag:GetResources'], resources: ['*'] }),
      new iam.PolicyStatement({ actions: ['imagebuilder:GetImage'], resources: images }),
      ...parent.startsWith('ssm:') ? [new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: parent.slice('ssm:/'.length), arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      })] : [],
    ];
  }

  /**
   * @param statePrefix what the names of the lookup's states start with, in a branch of a Parallel
   * state with another lookup (see `branchPerArchitecture`)
   */
  constructor(private readonly scope: Construct, private readonly recipe: BuildableRecipe, private readonly statePrefix = '') {}

  /** The lookup, then `reused` with `$.reuse.image` set, or `build` with `$.reuse` saying why. */
  public chain(reused: sfn.IChainable, build: sfn.IChainable): sfn.IChainable {
    const scope = this.scope;
    const items = new Construct(scope, 'EachBakedImage');
    // The whole image: one that is not AVAILABLE may have no AMIs to select.
    const readImage = sdkCall(items, 'ReadBakedImage', {
      service: 'imagebuilder', action: 'getImage', parameters: { ImageBuildVersionArn: sfn.JsonPath.stringAt('$.arn') }, resultPath: '$.read',
    });
    // An image the lifecycle policy has deleted since (or that cannot be read) is not reused.
    readImage.addCatch(new sfn.Pass(items, 'BakedImageUnreadable', { result: sfn.Result.fromObject({ Image: { State: { Status: 'UNREADABLE' } } }), resultPath: '$.read' }),
      { errors: ['States.TaskFailed'], resultPath: sfn.JsonPath.DISCARD });
    // Named before the Map state records them.
    sfn.State.prefixStates(items, this.statePrefix);
    const readImages = new sfn.Map(scope, 'ReadBakedImages', {
      comment: 'Every image that carries the fingerprint, with its state and AMIs',
      itemsPath: '$.baked.resources',
      itemSelector: { 'arn.$': '$$.Map.Item.Value.ResourceARN' },
      maxConcurrency: 1,
      resultSelector: { 'images.$': '$[*].read.Image' },
      resultPath: '$.baked',
    }).itemProcessor(readImage);
    const decide = new sfn.Choice(scope, 'ReuseBakedImage?')
      .when(sfn.Condition.stringEquals('$.reuse.decision', REUSE_DECISIONS.reused), reused)
      .otherwise(build);
    const noImage = new sfn.Pass(scope, 'NoBakedImage', { result: sfn.Result.fromObject({ decision: REUSE_DECISIONS.noImage }), resultPath: '$.reuse' }).next(build);
    return this.resolveParentImage()
      .next(new sfn.Pass(scope, 'Fingerprint', {
        comment: 'What decides the image: the artifact\'s content, the recipe (its components are named after their content) and the parent image',
        parameters: {
          'value.$': `States.Hash(States.Format('{}|${this.recipe.imageRecipeArn}|{}', $.contentHash, $.parentImage.id), 'SHA-256')`,
        },
        resultPath: '$.fingerprint',
      }))
      .next(this.call('FindBakedImage', 'resourcegroupstaggingapi', 'getResources', {
        TagFilters: [{ Key: FINGERPRINT_TAG_KEY, Values: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.fingerprint.value')) }],
        ResourceTypeFilters: ['imagebuilder:image'],
      }, '$.baked', { 'resources.$': '$.ResourceTagMappingList' }))
      .next(new sfn.Choice(scope, 'Baked?')
        .when(sfn.Condition.isPresent('$.baked.resources[0]'), readImages.next(this.choose()).next(decide))
        .otherwise(noImage));
  }

  /**
   * A JSONata state: JSONPath cannot compare the AMIs an image has with those the recipe's
   * distribution promises. The destinations are rendered when the definition is, after every
   * environment added its own.
   */
  private choose(): sfn.Pass {
    const recipe = this.recipe;
    const destinations = Lazy.string({ produce: () => JSON.stringify(recipe._amiDestinations) });
    const build = Lazy.string({ produce: () => JSON.stringify(Stack.of(recipe).account) });
    // Rendered after every promotion said how long its releases may wait.
    const lasting = Lazy.string({
      produce: () => {
        const horizon = reuseHorizonMinutes(recipe);
        return horizon === undefined ? 'true' : `$toMillis($states.context.State.EnteredTime) - $toMillis($image.DateCreated) < ${horizon * 60 * 1000}`;
      },
    });
    return sfn.Pass.jsonata(this.scope, 'ChooseBakedImage', {
      comment: 'Reuses an available image of the fingerprint with an AMI in every account and region of the recipe\'s distribution, '
        + 'which the lifecycle policy keeps for as long as a promotion may take',
      outputs: oneLine(`{% (
        $destinations := ${destinations};
        $copies := function($image) { [$image.OutputResources.Amis.(($exists(AccountId) ? AccountId : ${build}) & "/" & Region)] };
        $missing := function($image) { [$filter($destinations, function($key) { $not($key in $copies($image)) })] };
        $available := [$filter($states.input.baked.images, function($image) { $image.State.Status = "AVAILABLE" })];
        $complete := [$filter($available, function($image) { $count($missing($image)) = 0 })];
        $lasting := [$filter($complete, function($image) { ${lasting} })];
        $merge([$states.input, {"reuse": $count($lasting) > 0
          ? {"decision": "${REUSE_DECISIONS.reused}", "image": {"arn": $lasting[0].Arn, "amis": $lasting[0].OutputResources.Amis}}
          : $count($complete) > 0
            ? {"decision": "${REUSE_DECISIONS.nearDeletion}", "newest": {"arn": $complete[0].Arn, "created": $complete[0].DateCreated}}
          : $count($available) > 0
            ? {"decision": "${REUSE_DECISIONS.missingCopies}", "missing": $missing($available[0])}
            : {"decision": "${REUSE_DECISIONS.noImage}"}}])
      ) %}`),
    });
  }

  /** The parent image a build would start from now: `x.x.x` resolves to the newest available version. */
  private resolveParentImage(): sfn.INextable & sfn.IChainable {
    const parent = this.recipe._artifactBuildSettings.parentImage;
    if (parent.startsWith('ssm:')) {
      return this.call('ResolveParentImage', 'ssm', 'getParameter', { Name: parent.slice('ssm:'.length) }, '$.parentImage', { 'id.$': '$.Parameter.Value' });
    }
    if (parent.startsWith('ami-')) {
      return new sfn.Pass(this.scope, 'ResolveParentImage', { result: sfn.Result.fromObject({ id: parent }), resultPath: '$.parentImage' });
    }
    return this.call('ResolveParentImage', 'imagebuilder', 'getImage', { ImageBuildVersionArn: parent }, '$.parentImage', { 'id.$': '$.Image.Arn' });
  }

  private call(id: string, service: string, action: string, parameters: Record<string, unknown>, resultPath: string,
    resultSelector?: SdkCallOptions['resultSelector']) {
    return sdkCall(this.scope, id, { service, action, parameters, resultPath, resultSelector });
  }
}
