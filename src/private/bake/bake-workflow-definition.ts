import { Duration, Stack, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { branchPerArchitecture } from './architecture-branches';
import { BakedImageLookup } from './baked-image-lookup';
import { ImageScanFindings } from './image-scan-findings';
import type { BuildableRecipe } from '../image/buildable-recipe';
import { scanSummaryText } from '../shared/image-scan';
import { RELEASE_TAG_KEYS } from '../shared/release-tags';
import { explainFailure, failAsExplained, sdkCall } from '../shared/sdk-call';

/** Key of the tag that carries the content hash of the installed artifact. */

/** EC2's and Image Builder's longest tag value. */
const TAG_VALUE_MAX_LENGTH = 256;

/**
 * The tags every AMI copy of a new image carries, by the JSONata expression of their value over the
 * bake's state: what decided the image, and the build that made it.
 */
const PROVENANCE_TAGS: Record<string, string> = {
  [RELEASE_TAG_KEYS.fingerprint]: '$states.input.fingerprint.value',
  [RELEASE_TAG_KEYS.contentHash]: '$states.input.contentHash',
  [RELEASE_TAG_KEYS.version]: '$states.input.version',
  [RELEASE_TAG_KEYS.commitId]: '$states.input.commitId',
  [RELEASE_TAG_KEYS.commitMessage]: `$substring($states.input.commitMessage, 0, ${TAG_VALUE_MAX_LENGTH})`,
  [RELEASE_TAG_KEYS.pipelineExecutionId]: '$states.input.pipelineExecutionId',
};

/** How often a bake reads the state of its image build. */
const BAKE_POLL_INTERVAL = Duration.minutes(1);

export interface BakeDefinitionOptions {
  /** One recipe per architecture. */
  readonly recipes: BuildableRecipe[];
  /** How long each image build may take before it is cancelled. */
  readonly timeout: Duration;
}

/**
 * The states of a bake (JSONPath, apart from the JSONata states that choose an image to reuse, add
 * the provenance tags and write the manifest): for each recipe, in parallel, the fingerprint of what
 * would be built, an image that carries it and every copy, or a new image build bound to the
 * artifact; then the release manifest of them all. See `BakeWorkflow`.
 */
export class BakeDefinition {
  constructor(private readonly scope: Construct, private readonly options: BakeDefinitionOptions) {}

  public chain(): sfn.IChainable {
    const each = branchPerArchitecture(this.scope, 'BakeEachArchitecture', {
      comment: 'One branch per recipe, so that the bake takes as long as its slowest build',
      resultPath: '$.builds',
    }, this.options.recipes, (scope, recipe, statePrefix) => new ArchitectureBake(scope, recipe, this.options.timeout, statePrefix).chain());
    const firstFailure = sfn.Pass.jsonata(this.scope, 'FirstFailure', {
      comment: 'The failure of the first architecture whose build failed, if any: JSONPath cannot filter on a key\'s presence',
      outputs: '{% $merge([$states.input, {"failure": $states.input.builds[$exists(failure)][0].failure}]) %}',
    });
    return each.next(firstFailure).next(new sfn.Choice(this.scope, 'EveryArchitectureBaked?')
      .when(sfn.Condition.isPresent('$.failure'), failAsExplained(this.scope, 'BakeFailed'))
      .otherwise(this.manifest()));
  }

  /**
   * A JSONata state: the release manifest, whose `images` are keyed `<account>/<region>/<architecture>`,
   * keys JSONPath cannot compose. Each of `builds` says why its image was reused or built, and what
   * its scan found; `findingsSummary` says it in a line, for approvers.
   */
  private manifest(): sfn.Pass {
    const account = Stack.of(this.scope).account;
    return sfn.Pass.jsonata(this.scope, 'ReleaseManifest', {
      comment: 'The release manifest EnvironmentPromotion reads: the AMI of each account, region and architecture, and the release it carries',
      outputs: '{% {'
        + '"version": $states.input.version, "commitId": $states.input.commitId, "commitMessage": $states.input.commitMessage, '
        + '"pipelineExecutionId": $states.input.pipelineExecutionId, "contentHash": $states.input.contentHash, '
        + '"builds": [$states.input.builds.{"architecture": architecture, "fingerprint": fingerprint, "reused": reused, '
        + '"reuse": reuse.{"decision": decision, "missing": missing, "newest": newest}, "imageBuildVersionArn": imageBuildVersionArn, "scan": scan}], '
        + `"findingsSummary": $join($states.input.builds.(architecture & ": " & ${scanSummaryText('scan')}), "; "), `
        + `"images": $merge([$states.input.builds.($architecture := architecture; amis.{($exists(AccountId) ? AccountId : "${account}") & "/" & Region & "/" & $architecture: Image})])`
        + '} %}',
    });
  }
}

/** The states that bake one recipe's image: a branch of the bake. */
class ArchitectureBake {
  private readonly polls: number;
  /**
   * Where a build that failed, was cancelled or timed out ends its branch, with `$.failure`: the
   * bake fails with it once every branch has ended, so that the other builds are waited for and
   * cleaned up rather than abandoned.
   */
  private readonly failedBuild: sfn.Pass;

  constructor(private readonly scope: Construct, private readonly recipe: BuildableRecipe, timeout: Duration, private readonly statePrefix: string) {
    this.polls = Math.ceil(timeout.toSeconds() / BAKE_POLL_INTERVAL.toSeconds());
    this.failedBuild = new sfn.Pass(scope, 'ArchitectureNotBaked', {
      parameters: { 'architecture': recipe.baseImage.architecture, 'failure.$': '$.failure' },
    });
  }

  public chain(): sfn.IChainable {
    const output = new sfn.Pass(this.scope, 'BakedArchitecture', {
      comment: `What the bake of the ${this.recipe.baseImage.architecture} image decided and made`,
      parameters: {
        'architecture': this.recipe.baseImage.architecture,
        'fingerprint.$': '$.fingerprint.value',
        'reused.$': '$.outcome.reused',
        'reuse.$': '$.reuse',
        'imageBuildVersionArn.$': '$.image.arn',
        'amis.$': '$.image.amis',
        'scan.$': '$.scan',
      },
    });
    // Built or reused, the image's scan is read the same way.
    const scanned = new ImageScanFindings(this.scope, this.recipe).chain(output);
    const reuse = new sfn.Pass(this.scope, 'ReuseImage', {
      parameters: { 'arn.$': '$.reuse.image.arn', 'amis.$': '$.reuse.image.amis' },
      resultPath: '$.image',
    }).next(new sfn.Pass(this.scope, 'Reused', { result: sfn.Result.fromObject({ reused: true }), resultPath: '$.outcome' })).next(scanned);
    return new BakedImageLookup(this.scope, this.recipe, this.statePrefix).chain(reuse, this.build(scanned));
  }

  /**
   * A recipe version bound to the artifact, a distribution configuration that tags every AMI copy
   * with this build's provenance, the image build, and the wait for it; then `next`.
   */
  private build(next: sfn.IChainable): sfn.IChainable {
    const settings = this.recipe._artifactBuildSettings;
    const name = new sfn.Pass(this.scope, 'NameBuild', {
      parameters: { 'recipeName.$': `States.Format('${this.recipe.imageRecipeName}-{}', States.UUID())` },
      resultPath: '$.build',
    });
    const createRecipe = this.call('CreateBuildRecipe', 'imagebuilder', 'createImageRecipe', {
      Name: sfn.JsonPath.stringAt('$.build.recipeName'),
      SemanticVersion: '1.0.0',
      ParentImage: settings.parentImage,
      Components: this.recipe.componentsForArtifact(sfn.JsonPath.stringAt('$.artifact')).map((component) => ({
        ComponentArn: component.componentArn,
        Parameters: (component.parameters as any[] | undefined)?.map((parameter) => ({
          Name: parameter.name,
          Value: sfn.JsonPath.array(...parameter.value),
        })),
      })),
      AdditionalInstanceConfiguration: { SystemsManagerAgent: { UninstallAfterBuild: false } },
      ClientToken: sfn.JsonPath.uuid(),
    }, '$.build.recipe', { 'arn.$': '$.ImageRecipeArn' });
    const createImage = this.call('CreateImage', 'imagebuilder', 'createImage', {
      ImageRecipeArn: sfn.JsonPath.stringAt('$.build.recipe.arn'),
      InfrastructureConfigurationArn: this.recipe.infrastructureConfigurationArn,
      DistributionConfigurationArn: sfn.JsonPath.stringAt('$.build.distribution.arn'),
      ImageTestsConfiguration: { ImageTestsEnabled: true, TimeoutMinutes: settings.imageTestsTimeoutMinutes },
      ImageScanningConfiguration: { ImageScanningEnabled: settings.vulnerabilityScanning },
      EnhancedImageMetadataEnabled: true,
      // The recipe's image group, so its lifecycle policy retires the image, and the fingerprint a later bake looks for.
      Tags: { ...this.recipe.imageTags, [RELEASE_TAG_KEYS.fingerprint]: sfn.JsonPath.stringAt('$.fingerprint.value') },
      ClientToken: sfn.JsonPath.uuid(),
    }, '$.build.image', { 'arn.$': '$.ImageBuildVersionArn' });
    const failed = (id: string, error: string, what: string) => explainFailure(this.scope, `Explain${id}`, error,
      `${what}: image build {} is {}. Its logs are in CloudWatch log group /aws/imagebuilder/{} and under s3 prefix builds/ of the recipe's build logs bucket; `
      + 'its state: {}', '$.build.image.arn', '$.poll.state.Status', '$.build.recipeName', '$.poll.stateText').next(this.failedBuild);
    const poll = this.call('ReadBuild', 'imagebuilder', 'getImage', { ImageBuildVersionArn: sfn.JsonPath.stringAt('$.build.image.arn') }, '$.poll',
      { 'state.$': '$.Image.State', 'stateText.$': 'States.JsonToString($.Image.State)' });
    const count = new sfn.Pass(this.scope, 'CountPoll', { parameters: { 'polls.$': 'States.MathAdd($.wait.polls, 1)' }, resultPath: '$.wait' });
    const wait = new sfn.Wait(this.scope, 'WaitForBuild', { time: sfn.WaitTime.duration(BAKE_POLL_INTERVAL) });
    const cancel = this.call('CancelBuild', 'imagebuilder', 'cancelImageCreation',
      { ImageBuildVersionArn: sfn.JsonPath.stringAt('$.build.image.arn'), ClientToken: sfn.JsonPath.uuid() }, sfn.JsonPath.DISCARD);
    const timedOut = explainFailure(this.scope, 'ExplainBakeTimedOut', 'BakeTimedOut',
      `The image build {} did not finish within ${this.polls} minutes and was cancelled. Its logs are in CloudWatch log group /aws/imagebuilder/{}.`,
      '$.build.image.arn', '$.build.recipeName').next(this.failedBuild);
    const cleanUpCancelled = this.cleanUpBuild('Cancelled', timedOut);
    cancel.addCatch(cleanUpCancelled, { errors: ['States.ALL'], resultPath: '$.error' });
    const built = this.call('ReadBuiltImage', 'imagebuilder', 'getImage', { ImageBuildVersionArn: sfn.JsonPath.stringAt('$.build.image.arn') }, '$.image',
      { 'arn.$': '$.Image.Arn', 'amis.$': '$.Image.OutputResources.Amis' });
    const judge = new sfn.Choice(this.scope, 'BuildSucceeded?')
      .when(sfn.Condition.stringEquals('$.poll.state.Status', 'AVAILABLE'), built
        .next(new sfn.Pass(this.scope, 'NewImage', { result: sfn.Result.fromObject({ reused: false }), resultPath: '$.outcome' }))
        .next(next))
      .when(sfn.Condition.stringEquals('$.poll.state.Status', 'FAILED'), failed('ImageBuildFailed', 'ImageBuildFailed', 'The image build failed'))
      .otherwise(failed('ImageBuildCancelled', 'ImageBuildCancelled', 'The image build was cancelled'));
    const finished = new sfn.Choice(this.scope, 'BuildDone?')
      .when(sfn.Condition.or(...['AVAILABLE', 'FAILED', 'CANCELLED'].map((status) => sfn.Condition.stringEquals('$.poll.state.Status', status))),
        this.cleanUpBuild('', judge))
      .when(sfn.Condition.numberGreaterThanEquals('$.wait.polls', this.polls), cancel.next(cleanUpCancelled))
      .otherwise(wait);
    return name.next(createRecipe).next(this.distributionWithProvenance()).next(createImage)
      .next(new sfn.Pass(this.scope, 'StartWaiting', { result: sfn.Result.fromObject({ polls: 0 }), resultPath: '$.wait' }))
      .next(wait).next(poll).next(count).next(finished);
  }

  /**
   * A distribution configuration of this build: the recipe's distributions, whose AMI tags also
   * carry the fingerprint and provenance, so that Image Builder tags every copy in every account
   * and region (a workflow's SDK calls reach its own account and region only).
   */
  private distributionWithProvenance(): sfn.IChainable {
    const read = this.call('ReadDistribution', 'imagebuilder', 'getDistributionConfiguration',
      { DistributionConfigurationArn: this.recipe.distributionConfigurationArn }, '$.build.distribution',
      { 'distributions.$': '$.DistributionConfiguration.Distributions' });
    const provenance = Object.entries(PROVENANCE_TAGS).map(([key, value]) => `"${key}": ${value}`).join(', ');
    const tag = sfn.Pass.jsonata(this.scope, 'AddProvenanceTags', {
      comment: 'The recipe\'s distributions, with the fingerprint and provenance added to the AMI tags of each',
      outputs: '{% $merge([$states.input, {"build": $merge([$states.input.build, {"distributions": [$states.input.build.distribution.distributions.'
        + '$merge([$, {"AmiDistributionConfiguration": $merge([AmiDistributionConfiguration, {"AmiTags": $merge([AmiDistributionConfiguration.AmiTags, '
        + `{${provenance}}])}])}])]}])}]) %}`,
    });
    const create = this.call('CreateBuildDistribution', 'imagebuilder', 'createDistributionConfiguration', {
      Name: sfn.JsonPath.stringAt('$.build.recipeName'),
      Description: `One bake of image recipe ${this.recipe.imageRecipeName}: its distributions, tagging each AMI copy with the build's provenance`,
      Distributions: sfn.JsonPath.listAt('$.build.distributions'),
      ClientToken: sfn.JsonPath.uuid(),
    }, '$.build.distribution', { 'arn.$': '$.DistributionConfigurationArn' });
    return read.next(tag).next(create);
  }

  /**
   * Deletes what the build made for itself once it has ended, its distribution configuration and
   * its recipe version (the image keeps what it was built from), then `next`: one recipe and one
   * configuration per build would otherwise pile up towards the account's quotas. What cannot be
   * deleted is left behind rather than failing the bake.
   *
   * @param kind distinguishes the state names of the paths that clean up
   */
  private cleanUpBuild(kind: string, next: sfn.IChainable): sfn.IChainable {
    const removeRecipe = this.call(`Delete${kind}BuildRecipe`, 'imagebuilder', 'deleteImageRecipe',
      { ImageRecipeArn: sfn.JsonPath.stringAt('$.build.recipe.arn') }, sfn.JsonPath.DISCARD);
    removeRecipe.addCatch(next, { errors: ['States.ALL'], resultPath: '$.build.recipeNotDeleted' });
    const removeDistribution = this.call(`Delete${kind}BuildDistribution`, 'imagebuilder', 'deleteDistributionConfiguration',
      { DistributionConfigurationArn: sfn.JsonPath.stringAt('$.build.distribution.arn') }, sfn.JsonPath.DISCARD);
    removeDistribution.addCatch(removeRecipe, { errors: ['States.ALL'], resultPath: '$.build.distributionNotDeleted' });
    return removeDistribution.next(removeRecipe).next(next);
  }

  private call(id: string, service: string, action: string, parameters: Record<string, unknown>, resultPath: string,
    resultSelector?: Record<string, unknown>) {
    return sdkCall(this.scope, id, { service, action, parameters, resultPath, resultSelector });
  }
}
