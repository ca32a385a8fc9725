import { Stack, aws_iam as iam } from 'aws-cdk-lib';
import { perBuildArn } from './image-builder-names';
import type { ArchiveFormat } from '../instances/service-install-script';

/** What a build of one artifact repeats of its recipe and image pipeline (`ApplicationImageRecipe._artifactBuildSettings`). */
export interface ArtifactBuildSettings {
  /** The recipe's parent image: an Image Builder image ARN (`x.x.x` for the newest), `ssm:<parameter>` or an AMI id. */
  readonly parentImage: string;
  readonly additionalInstanceConfiguration?: unknown;
  readonly imageTestsTimeoutMinutes: number;
  readonly vulnerabilityScanning: boolean;
  /** How the recipe's application component unpacks the artifact it installs. */
  readonly archiveFormat: ArchiveFormat;
}

/** The resources a build of one artifact touches. */
export interface ArtifactBuildResources {
  /** Recipe versions made for builds are named `<prefix>-<suffix>`; their images carry the same name. */
  readonly recipeNamePrefix: string;
  readonly componentArns: string[];
  readonly infrastructureConfigurationArn: string;
  readonly distributionConfigurationArn: string;
  readonly instanceRoleArn: string;
  /** Whether images are scanned by Amazon Inspector. */
  readonly vulnerabilityScanning: boolean;
}

/**
 * What creating a recipe version and building it takes, from the permissions that CloudFormation's
 * own Image Builder resource handlers declare for `AWS::ImageBuilder::ImageRecipe` and
 * `AWS::ImageBuilder::Image` (their resource schemas, as shipped with cfn-lint), narrowed to this
 * recipe's resources. Container recipes, workflows and ECR scanning are left out: these builds use
 * none.
 *
 * @see https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-imagebuilder
 */
export function artifactBuildStatements(stack: Stack, resources: ArtifactBuildResources): iam.PolicyStatement[] {
  const recipeVersions = perBuildArn(stack, resources.recipeNamePrefix, 'image-recipe');
  const images = perBuildArn(stack, resources.recipeNamePrefix);
  return [
    new iam.PolicyStatement({
      actions: ['imagebuilder:CreateImageRecipe', 'imagebuilder:GetImageRecipe', 'imagebuilder:CreateImage', 'imagebuilder:GetImage', 'imagebuilder:TagResource'],
      resources: [recipeVersions, images],
    }),
    new iam.PolicyStatement({
      actions: ['imagebuilder:GetComponent'],
      resources: resources.componentArns,
    }),
    new iam.PolicyStatement({
      actions: ['imagebuilder:GetInfrastructureConfiguration', 'imagebuilder:GetDistributionConfiguration'],
      resources: [resources.infrastructureConfigurationArn, resources.distributionConfigurationArn],
    }),
    // Managed parent images, or an AMI parent, which Image Builder describes with the caller's rights.
    new iam.PolicyStatement({
      actions: ['imagebuilder:GetImage'],
      resources: [stack.formatArn({ service: 'imagebuilder', account: 'aws', resource: 'image', resourceName: '*' })],
    }),
    new iam.PolicyStatement({ actions: ['ec2:DescribeImages'], resources: ['*'] }),
    new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [resources.instanceRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    }),
    // Only the first build in an account creates Image Builder's service-linked role.
    new iam.PolicyStatement({
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder' })],
      conditions: { StringEquals: { 'iam:AWSServiceName': 'imagebuilder.amazonaws.com' } },
    }),
    ...resources.vulnerabilityScanning ? [new iam.PolicyStatement({ actions: ['inspector2:BatchGetAccountStatus'], resources: ['*'] })] : [],
  ];
}
