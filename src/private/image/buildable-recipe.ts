import type { aws_iam as iam, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ArtifactBuildSettings } from './build-for-artifact-grant';
import type { ImageProperties } from './image-compatibility';

/**
 * What a bake and a promotion read of an image recipe (`ApplicationImageRecipe` is one): enough to
 * build for an artifact what its image pipeline would, and to know where its AMIs go.
 */
export interface BuildableRecipe extends IConstruct, ImageProperties {
  readonly imageRecipeName: string;
  readonly imageRecipeArn: string;
  readonly infrastructureConfigurationArn: string;
  readonly distributionConfigurationArn: string;
  /** The tags that put an image under the recipe's lifecycle policy. */
  readonly imageTags: Record<string, string>;
  readonly distributionRegions: string[];
  /** Every `<account>/<region>` a build leaves an AMI of its own in. */
  readonly _amiDestinations: string[];
  readonly _artifactBuildSettings: ArtifactBuildSettings;
  /** The age in days at which the recipe's lifecycle policy deletes an image; undefined for a count. */
  readonly _amiDeletionAgeDays: number | undefined;
  componentsForArtifact(artifactS3Uri: string): imagebuilder.CfnImageRecipe.ComponentConfigurationProperty[];
  grantBuildForArtifact(grantee: iam.IGrantable): void;
  _distributesTo(account: string, region: string): boolean;
}
