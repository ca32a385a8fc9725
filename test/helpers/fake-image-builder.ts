/**
 * Image Builder in memory, for the teardown: no emulator serves it. It answers the SDK's own
 * command objects, in pages of two (so that the paginators page). An image cannot be deleted while
 * it builds, as DeleteImage's reference says. A recipe or distribution configuration cannot be
 * deleted while an image built from it exists: the references say only that a deletion fails with
 * ResourceDependencyException when other resources depend on the resource (the journeys' simulation
 * assumes the bake's cleanup may delete them), so this is the stricter case, in which the teardown's
 * order must hold. ListImages leaves out versions whose builds are all deprecated unless asked to
 * include them (see there).
 */
import {
  DeleteDistributionConfigurationCommand, DeleteImageCommand, DeleteImageRecipeCommand, ImagebuilderClient,
  ListDistributionConfigurationsCommand, ListImageBuildVersionsCommand, ListImageRecipesCommand, ListImagesCommand,
  ResourceDependencyException, ResourceNotFoundException,
} from '@aws-sdk/client-imagebuilder';

const PAGE_SIZE = 2;

export interface FakeImage {
  readonly name: string;
  readonly recipeArn: string;
  readonly distributionArn: string;
  readonly status: string;
}

export class FakeImageBuilder extends ImagebuilderClient {
  /** Image build versions by ARN. */
  public readonly images = new Map<string, FakeImage>();
  /** Recipe ARNs by name. */
  public readonly recipes = new Map<string, string>();
  /** Distribution configuration ARNs by name. */
  public readonly distributions = new Map<string, string>();
  /** Every deletion, in order, as `<operation> <arn>`. */
  public readonly deletions: string[] = [];

  constructor(private readonly arnPrefix: string) {
    super({ region: arnPrefix.split(':')[3] });
  }

  public addRecipe(name: string): string {
    const arn = `${this.arnPrefix}:image-recipe/${name}/1.0.0`;
    this.recipes.set(name, arn);
    return arn;
  }

  public addDistribution(name: string): string {
    const arn = `${this.arnPrefix}:distribution-configuration/${name}`;
    this.distributions.set(name, arn);
    return arn;
  }

  /** An image build of a recipe (and the recipe and distribution configuration, if new), named after the recipe. */
  public addImage(recipeName: string, distributionName: string, status = 'AVAILABLE'): string {
    const builds = [...this.images.values()].filter((image) => image.name === recipeName).length;
    const arn = `${this.arnPrefix}:image/${recipeName}/1.0.0/${builds + 1}`;
    this.images.set(arn, {
      name: recipeName,
      recipeArn: this.recipes.get(recipeName) ?? this.addRecipe(recipeName),
      distributionArn: this.distributions.get(distributionName) ?? this.addDistribution(distributionName),
      status,
    });
    return arn;
  }

  public override send(command: any): Promise<any> {
    return Promise.resolve().then(() => this.answer(command));
  }

  private answer(command: any): any {
    const input = command.input;
    if (command instanceof ListImagesCommand) {
      // Without includeDeprecated, a version all of whose builds are deprecated is not listed. The
      // SDK's model says the flag "Includes deprecated images in the response list"; the API
      // reference now says deprecated images the account owns are always returned. The fake takes
      // the stricter reading, which the command must work under.
      const listed = [...this.images.values()].filter((image) => input.includeDeprecated === true || image.status !== 'DEPRECATED');
      const names = [...new Set(listed.map((image) => image.name))];
      return page(names.map((name) => ({ arn: `${this.arnPrefix}:image/${name}/1.0.0`, name, version: '1.0.0' })), input.nextToken, 'imageVersionList');
    }
    if (command instanceof ListImageBuildVersionsCommand) {
      const builds = [...this.images.entries()].filter(([arn]) => arn.startsWith(`${input.imageVersionArn}/`));
      return page(builds.map(([arn, image]) => ({ arn, name: image.name, state: { status: image.status } })), input.nextToken, 'imageSummaryList');
    }
    if (command instanceof ListImageRecipesCommand) {
      return page([...this.recipes.entries()].map(([name, arn]) => ({ arn, name })), input.nextToken, 'imageRecipeSummaryList');
    }
    if (command instanceof ListDistributionConfigurationsCommand) {
      return page([...this.distributions.entries()].map(([name, arn]) => ({ arn, name })), input.nextToken, 'distributionConfigurationSummaryList');
    }
    if (command instanceof DeleteImageCommand) {
      const image = this.images.get(input.imageBuildVersionArn) ?? notFound(input.imageBuildVersionArn);
      if (image.status === 'BUILDING') throw dependency(`The image ${input.imageBuildVersionArn} is still building`);
      return this.delete('DeleteImage', input.imageBuildVersionArn, () => this.images.delete(input.imageBuildVersionArn));
    }
    if (command instanceof DeleteImageRecipeCommand) {
      return this.deleteUnused('DeleteImageRecipe', this.recipes, input.imageRecipeArn, (image) => image.recipeArn);
    }
    if (command instanceof DeleteDistributionConfigurationCommand) {
      return this.deleteUnused('DeleteDistributionConfiguration', this.distributions, input.distributionConfigurationArn, (image) => image.distributionArn);
    }
    throw new Error(`The fake Image Builder does not answer ${command.constructor.name}`);
  }

  private deleteUnused(operation: string, resources: Map<string, string>, arn: string, usedBy: (image: FakeImage) => string): any {
    const name = [...resources.entries()].find(([, candidate]) => candidate === arn)?.[0] ?? notFound(arn);
    if ([...this.images.values()].some((image) => usedBy(image) === arn)) {
      throw dependency(`Resource dependency error: The resource ARN '${arn}' has other resources depended on it.`);
    }
    return this.delete(operation, arn, () => resources.delete(name));
  }

  private delete(operation: string, arn: string, remove: () => void): any {
    remove();
    this.deletions.push(`${operation} ${arn}`);
    return { requestId: 'fake' };
  }
}

function page(items: unknown[], token: string | undefined, listName: string): any {
  const start = Number(token ?? 0);
  const next = start + PAGE_SIZE;
  return { [listName]: items.slice(start, next), nextToken: next < items.length ? String(next) : undefined };
}

function notFound(arn: string): never {
  throw new ResourceNotFoundException({ message: `${arn} does not exist`, $metadata: {} });
}

function dependency(message: string): ResourceDependencyException {
  return new ResourceDependencyException({ message, $metadata: {} });
}
