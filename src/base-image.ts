import { Aws, Stack, Token, aws_ec2 as ec2 } from 'aws-cdk-lib';
import type { ApplicationImageRecipe } from './application-image-recipe';

/**
 * Operating system family of an image; decides which component actions and scripts apply.
 */
export enum ImageOperatingSystem {
  /** Linux: bash steps, systemd services. */
  LINUX = 'Linux',
  /** Windows: PowerShell steps, Windows services. */
  WINDOWS = 'Windows',
}

/**
 * The image an application image is built on.
 *
 * Managed images are referenced with the `x.x.x` version wildcard, which Image Builder resolves
 * to the newest patched version when each image is built: the recipe stays the same, so patching
 * never replaces it.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/ibhow-semantic-versioning.html
 */
export class BaseImage {
  /**
   * The newest Amazon Linux 2023 image that Image Builder manages.
   *
   * @param architecture processor architecture
   * @default ec2.InstanceArchitecture.X86_64
   */
  public static amazonLinux2023(architecture: ec2.InstanceArchitecture = ec2.InstanceArchitecture.X86_64): BaseImage {
    const suffix = architecture === ec2.InstanceArchitecture.ARM_64 ? 'arm64' : 'x86';
    return new BaseImage(managedImageArn(`amazon-linux-2023-${suffix}`), ImageOperatingSystem.LINUX, architecture);
  }

  /**
   * The newest Windows Server 2022 English Full Base image that Image Builder manages (x86_64).
   */
  public static windowsServer2022(): BaseImage {
    const imageArn = managedImageArn('windows-server-2022-english-full-base-x86');
    return new BaseImage(imageArn, ImageOperatingSystem.WINDOWS, ec2.InstanceArchitecture.X86_64);
  }

  /**
   * A specific AMI, which must exist in the region the image is built in.
   *
   * @param amiId e.g. `ami-0123456789abcdef0`
   * @param operatingSystem the AMI's operating system family
   * @param architecture the AMI's processor architecture
   * @default architecture ec2.InstanceArchitecture.X86_64
   */
  public static fromAmiId(
    amiId: string,
    operatingSystem: ImageOperatingSystem,
    architecture: ec2.InstanceArchitecture = ec2.InstanceArchitecture.X86_64,
  ): BaseImage {
    if (!Token.isUnresolved(amiId) && !/^ami-[0-9a-f]{8,17}$/.test(amiId)) {
      throw new Error(`Base image AMI id must look like 'ami-0123456789abcdef0', got '${amiId}'`);
    }
    return new BaseImage(amiId, operatingSystem, architecture);
  }

  /**
   * The AMI that an SSM parameter names when each image is built, e.g. a public parameter such
   * as `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`.
   *
   * @param parameterName name or ARN of the parameter
   * @param operatingSystem the operating system family of the AMIs it names
   * @param architecture their processor architecture
   * @default architecture ec2.InstanceArchitecture.X86_64
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/manage-recipes.html
   */
  public static fromSsmParameter(
    parameterName: string,
    operatingSystem: ImageOperatingSystem,
    architecture: ec2.InstanceArchitecture = ec2.InstanceArchitecture.X86_64,
  ): BaseImage {
    if (!Token.isUnresolved(parameterName) && parameterName.trim() === '') {
      throw new Error('Base image SSM parameter name must not be empty');
    }
    return new BaseImage(`ssm:${parameterName}`, operatingSystem, architecture);
  }

  /**
   * The newest image that another recipe's image pipeline built, in the same account and region:
   * a layer such as a hardened company base, rebuilt on its own schedule. Build that image before
   * this recipe's first build. Images built through `componentsForArtifact` are not included, as
   * they belong to recipes of their own; so a recipe without an artifact, which only bakes build,
   * cannot be a base.
   *
   * @param recipe the recipe whose images to build on
   */
  public static fromRecipe(recipe: ApplicationImageRecipe): BaseImage {
    if (recipe.imagePipelineArn === undefined) {
      throw new Error(`BaseImage.fromRecipe: recipe ${recipe.node.path} has no artifact, so no image pipeline builds images of it to build on; `
        + 'give it an artifact');
    }
    const imageArn = Stack.of(recipe).formatArn({
      service: 'imagebuilder',
      resource: 'image',
      resourceName: `${recipe.imageRecipeName}/x.x.x`,
    });
    return new BaseImage(imageArn, recipe.baseImage.operatingSystem, recipe.baseImage.architecture);
  }

  private constructor(
    /** The recipe's `ParentImage`: an image ARN, an AMI id or `ssm:<parameter>`. */
    public readonly parentImage: string,
    /** Operating system family. */
    public readonly operatingSystem: ImageOperatingSystem,
    /** Processor architecture. */
    public readonly architecture: ec2.InstanceArchitecture,
  ) {}
}

function managedImageArn(imageName: string): string {
  return `arn:${Aws.PARTITION}:imagebuilder:${Aws.REGION}:aws:image/${imageName}/x.x.x`;
}
