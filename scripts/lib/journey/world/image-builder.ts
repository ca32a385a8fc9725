/**
 * EC2 Image Builder, which no emulator serves: recipes, distribution configurations and images of
 * the build account and region, builds that end after a poll, and distribution that registers
 * each AMI copy (with its tags) in moto in every account and region of the build's distribution.
 * The Resource Groups Tagging API's `GetResources` over those images lives here too. A build with
 * scanning enabled has its scan recorded as COMPLETED when it ends, with the findings a journey
 * gives it (`findingsOfNextBuilds`; none by default), which the scan list calls answer.
 */
import { AwsError, ContractViolation, Endpoint } from '../aws-api';
import { MotoClients } from './moto-services';

export interface SimulatedAmi {
  readonly region: string;
  readonly accountId: string;
  readonly image: string;
  readonly name: string;
}

export interface SimulatedImage {
  readonly arn: string;
  readonly name: string;
  readonly version: string;
  readonly recipeArn: string;
  readonly distributions: any[];
  readonly tags: Record<string, string>;
  status: 'BUILDING' | 'AVAILABLE' | 'FAILED' | 'CANCELLED' | 'DEPRECATED' | 'DELETED';
  readonly created: Date;
  polls: number;
  amis: SimulatedAmi[];
  /** The parent image the build started from. */
  readonly parentImage: string;
  /** Whether Amazon Inspector scanned the build's test instance. */
  readonly scanning: boolean;
  /** The findings Image Builder saved with the image, once its build ended. */
  findings: SimulatedFinding[];
}

/** A finding of an image's scan. */
export interface SimulatedFinding {
  readonly vulnerabilityId: string;
  /** Amazon Inspector's severity: CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL or UNTRIAGED. */
  readonly severity: string;
}

interface SimulatedRecipe {
  readonly arn: string;
  readonly name: string;
  readonly version: string;
  readonly parentImage: string;
  readonly components: unknown[];
  readonly created: Date;
}

/** The public parameter of the AMI each simulated copy is made from: of the parent image's architecture. */
function publicParentAmiParameter(parentImage: string): string {
  const architecture = /arm64/.test(parentImage) ? 'arm64' : 'x86_64';
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`;
}

/** The status of a scanning build's scan: Image Builder abandons it when the build ends before the findings are collected. */
function scanStatusOf(status: SimulatedImage['status']): string {
  if (status === 'BUILDING') return 'SCANNING';
  return status === 'FAILED' || status === 'CANCELLED' ? 'ABANDONED' : 'COMPLETED';
}

const notFound = (arn: string) => new AwsError('Imagebuilder.ResourceNotFoundException', `The resource ${arn} does not exist`);

/** CloudFormation's casing of a distribution, as the API returns it. */
export function distributionFromTemplate(distribution: any): any {
  const { LaunchPermissionConfiguration: launchPermission, ...ami } = distribution.AmiDistributionConfiguration ?? {};
  return {
    ...distribution,
    AmiDistributionConfiguration: { ...ami, ...launchPermission ? { LaunchPermission: launchPermission } : {} },
  };
}

/**
 * Why Image Builder could not act in another account through the role it looks up there by name
 * (`distribution` to copy an image's AMI into it, `lifecycle` to retire it there), or undefined.
 */
export type CrossAccountRoleCheck = (purpose: 'distribution' | 'lifecycle', account: string, imageArn: string) => string | undefined;

export class ImageBuilderSimulation {
  public readonly images: SimulatedImage[] = [];
  public readonly recipes = new Map<string, SimulatedRecipe>();
  public readonly distributionConfigurations = new Map<string, { name: string; distributions: any[]; description?: string }>();
  /** Builds run, successful or not. */
  public builds = 0;
  /** The version of each AWS-managed parent image (`amazon-linux-2023-x86`) that `x.x.x` resolves to. */
  public readonly managedImageVersions = new Map<string, string>();
  /** What the scans of the builds that end from now on find. */
  public findingsOfNextBuilds: SimulatedFinding[] = [];
  private amiCount = 0;

  constructor(private readonly moto: MotoClients, private readonly now: () => Date, private readonly build: Endpoint,
    public readonly crossAccountRoleDenial: CrossAccountRoleCheck) {}

  /** A distribution configuration of a deployed template. */
  public defineDistributionConfiguration(arn: string, name: string, distributions: any[]): void {
    this.distributionConfigurations.set(arn, { name, distributions: distributions.map(distributionFromTemplate) });
  }

  /** A recipe of a deployed template. */
  public defineRecipe(arn: string, name: string, version: string, parentImage: string, components: unknown[]): void {
    if (!this.recipes.has(arn)) this.recipes.set(arn, { arn, name, version, parentImage, components, created: this.now() });
  }

  public handle = async (action: string, request: any): Promise<unknown> => {
    switch (action) {
      case 'getImage': return this.getImage(request.ImageBuildVersionArn);
      case 'createImageRecipe': return this.createImageRecipe(request);
      case 'getDistributionConfiguration': {
        const configuration = this.distributionConfigurations.get(request.DistributionConfigurationArn);
        if (!configuration) throw notFound(request.DistributionConfigurationArn);
        return { RequestId: 'journey', DistributionConfiguration: { Arn: request.DistributionConfigurationArn, Name: configuration.name, Distributions: configuration.distributions } };
      }
      case 'createDistributionConfiguration': {
        const arn = this.arn('distribution-configuration', request.Name.toLowerCase());
        if (this.distributionConfigurations.has(arn)) throw new AwsError('Imagebuilder.ResourceAlreadyExistsException', `${arn} exists`);
        this.distributionConfigurations.set(arn, { name: request.Name, distributions: request.Distributions, description: request.Description });
        return { RequestId: 'journey', ClientToken: request.ClientToken, DistributionConfigurationArn: arn };
      }
      case 'deleteDistributionConfiguration': {
        if (!this.distributionConfigurations.delete(request.DistributionConfigurationArn)) throw notFound(request.DistributionConfigurationArn);
        return { RequestId: 'journey', DistributionConfigurationArn: request.DistributionConfigurationArn };
      }
      case 'createImage': return this.createImage(request);
      case 'cancelImageCreation': {
        const image = this.image(request.ImageBuildVersionArn);
        image.status = 'CANCELLED';
        return { RequestId: 'journey', ClientToken: request.ClientToken, ImageBuildVersionArn: image.arn };
      }
      case 'deleteImageRecipe': {
        if (!this.recipes.delete(request.ImageRecipeArn)) throw notFound(request.ImageRecipeArn);
        return { RequestId: 'journey', ImageRecipeArn: request.ImageRecipeArn };
      }
      case 'tagResource': {
        Object.assign(this.image(request.ResourceArn).tags, request.Tags);
        return {};
      }
      case 'untagResource': {
        const image = this.image(request.ResourceArn);
        (request.TagKeys as string[]).forEach((key) => delete image.tags[key]);
        return {};
      }
      case 'listTagsForResource': return { Tags: { ...this.image(request.ResourceArn).tags } };
      case 'listImageScanFindingAggregations': return this.findingAggregations(request);
      case 'listImageScanFindings': return this.listFindings(request);
      default: throw new Error(`Image Builder ${action} is not simulated`);
    }
  };

  /** The Resource Groups Tagging API over Image Builder images. */
  public getResources = (action: string, request: any): unknown => {
    if (action !== 'getResources') throw new Error(`Resource Groups Tagging ${action} is not simulated`);
    const types: string[] = request.ResourceTypeFilters ?? [];
    if (!types.includes('imagebuilder:image')) return { PaginationToken: '', ResourceTagMappingList: [] };
    const filters: Array<{ Key: string; Values?: string[] }> = request.TagFilters ?? [];
    const matches = this.images.filter((image) => image.status !== 'DELETED' && filters.every((filter) => filter.Key in image.tags
      && (filter.Values === undefined || filter.Values.length === 0 || filter.Values.includes(image.tags[filter.Key]))));
    return {
      PaginationToken: '',
      ResourceTagMappingList: matches.map((image) => ({
        ResourceARN: image.arn, Tags: Object.entries(image.tags).map(([Key, Value]) => ({ Key, Value })),
      })),
    };
  };

  /** Images not deleted, of any state. */
  public get liveImages(): SimulatedImage[] {
    return this.images.filter((image) => image.status !== 'DELETED');
  }

  private async getImage(arn: string): Promise<unknown> {
    const managed = /^arn:aws:imagebuilder:([^:]+):aws:image\/([^/]+)\/x\.x\.x$/.exec(arn);
    if (managed) {
      const version = this.managedImageVersions.get(managed[2]) ?? '2026.12.1';
      return { RequestId: 'journey', Image: { Arn: `arn:aws:imagebuilder:${managed[1]}:aws:image/${managed[2]}/${version}/1`, Name: managed[2], Version: version, State: { Status: 'AVAILABLE' } } };
    }
    const image = this.image(arn);
    if (image.status === 'BUILDING') {
      image.polls += 1;
      if (image.polls > 1) await this.finishBuild(image);
    }
    return {
      RequestId: 'journey',
      Image: {
        Arn: image.arn,
        Type: 'AMI',
        Name: image.name,
        Version: image.version,
        Platform: 'Linux',
        State: { Status: image.status },
        DateCreated: image.created.toISOString(),
        OutputResources: { Amis: image.amis.map((ami) => ({ Region: ami.region, Image: ami.image, Name: ami.name, AccountId: ami.accountId })) },
        Tags: { ...image.tags },
        ImageScanningConfiguration: { ImageScanningEnabled: image.scanning },
        ...image.scanning ? { ScanState: { Status: scanStatusOf(image.status) } } : {},
      },
    };
  }

  private createImageRecipe(request: any): unknown {
    const arn = this.arn('image-recipe', `${request.Name.toLowerCase()}/${request.SemanticVersion}`);
    if (this.recipes.has(arn)) throw new AwsError('Imagebuilder.ResourceAlreadyExistsException', `${arn} exists`);
    this.recipes.set(arn, {
      arn,
      name: request.Name,
      version: request.SemanticVersion,
      parentImage: request.ParentImage,
      components: request.Components,
      created: this.now(),
    });
    return { RequestId: 'journey', ClientToken: request.ClientToken, ImageRecipeArn: arn };
  }

  private createImage(request: any): unknown {
    const recipe = this.recipes.get(request.ImageRecipeArn);
    if (!recipe) throw notFound(request.ImageRecipeArn);
    const distribution = this.distributionConfigurations.get(request.DistributionConfigurationArn);
    if (!distribution) throw notFound(request.DistributionConfigurationArn);
    const builds = this.images.filter((image) => image.recipeArn === recipe.arn).length;
    const arn = `${recipe.arn.replace(':image-recipe/', ':image/')}/${builds + 1}`;
    this.images.push({
      arn,
      name: recipe.name,
      version: recipe.version,
      recipeArn: recipe.arn,
      distributions: structuredClone(distribution.distributions),
      tags: { ...request.Tags },
      status: 'BUILDING',
      created: this.now(),
      polls: 0,
      amis: [],
      parentImage: recipe.parentImage,
      scanning: request.ImageScanningConfiguration?.ImageScanningEnabled === true,
      findings: [],
    });
    this.builds += 1;
    return { RequestId: 'journey', ClientToken: request.ClientToken, ImageBuildVersionArn: arn };
  }

  /** The build ends: every copy is registered and tagged, then the image is available. */
  private async finishBuild(image: SimulatedImage): Promise<void> {
    await this.distribute(image);
    image.status = 'AVAILABLE';
    if (image.scanning) image.findings = [...this.findingsOfNextBuilds];
  }

  /** The image a scan list call filters on: the library's calls always name one. */
  private scannedImage(filter: { Name: string; Values: string[] } | undefined): SimulatedImage {
    if (filter?.Name !== 'imageBuildVersionArn') throw new Error(`Scan findings are simulated for one image only, got the filter ${JSON.stringify(filter)}`);
    return this.image(filter.Values[0]);
  }

  /** Counts of medium severity and higher, and of all, as Image Builder aggregates an image's findings. */
  private findingAggregations(request: any): unknown {
    const image = this.scannedImage(request.Filter);
    const count = (severity: string) => image.findings.filter((finding) => finding.severity === severity).length;
    return {
      RequestId: 'journey',
      AggregationType: 'imageBuildVersionArn',
      Responses: image.findings.length === 0 ? [] : [{
        ImageAggregation: {
          ImageBuildVersionArn: image.arn,
          SeverityCounts: { All: image.findings.length, Critical: count('CRITICAL'), High: count('HIGH'), Medium: count('MEDIUM') },
        },
      }],
    };
  }

  /** The image's findings, a page of `MaxResults` (25 by default) at a time. */
  private listFindings(request: any): unknown {
    const image = this.scannedImage(request.Filters?.[0]);
    const start = request.NextToken === undefined ? 0 : Number(request.NextToken);
    const end = start + (request.MaxResults ?? 25);
    return {
      RequestId: 'journey',
      Findings: image.findings.slice(start, end).map((finding) => ({
        AwsAccountId: this.build.account,
        ImageBuildVersionArn: image.arn,
        Type: 'PACKAGE_VULNERABILITY',
        Title: `${finding.vulnerabilityId} - a package of the image`,
        Severity: finding.severity,
        PackageVulnerabilityDetails: { VulnerabilityId: finding.vulnerabilityId, Source: 'NVD' },
      })),
      ...end < image.findings.length ? { NextToken: String(end) } : {},
    };
  }

  private async distribute(image: SimulatedImage): Promise<void> {
    const date = this.now().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
    for (const distribution of image.distributions) {
      const configuration = distribution.AmiDistributionConfiguration ?? {};
      for (const account of [this.build.account, ...configuration.TargetAccountIds ?? []]) {
        const at = { account, region: distribution.Region };
        const refused = account === this.build.account ? undefined : this.crossAccountRoleDenial('distribution', account, image.arn);
        if (refused) throw new ContractViolation(`Image Builder could not copy ${image.arn} into account ${account}: ${refused}`);
        this.amiCount += 1;
        const name = `${String(configuration.Name ?? image.name).replace('{{ imagebuilder:buildDate }}', date)}-${this.amiCount}`;
        // A copy of the region's public Amazon Linux AMI: moto registers EBS-backed AMIs only that way.
        const parent = await this.moto.send('ssm', 'GetParameter', { Name: publicParentAmiParameter(image.parentImage) }, at);
        const { ImageId } = await this.moto.send('ec2', 'CopyImage', { Name: name, SourceImageId: parent.Parameter.Value, SourceRegion: at.region }, at);
        const tags = { ...configuration.AmiTags, CreatedBy: 'EC2 Image Builder', Ec2ImageBuilderArn: image.arn };
        await this.moto.send('ec2', 'CreateTags', { Resources: [ImageId], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }, at);
        image.amis.push({ region: distribution.Region, accountId: account, image: ImageId, name });
      }
    }
  }

  private image(arn: string): SimulatedImage {
    const image = this.images.find((candidate) => candidate.arn === arn && candidate.status !== 'DELETED');
    if (!image) throw notFound(arn);
    return image;
  }

  private arn(kind: string, path: string): string {
    return `arn:aws:imagebuilder:${this.build.region}:${this.build.account}:${kind}/${path}`;
  }
}
