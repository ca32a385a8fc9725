import {
  Aws, Duration, Lazy, Stack, Token,
  aws_ec2 as ec2, aws_events as events, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms,
  aws_s3 as s3, aws_s3_assets as assets, aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BaseImage, ImageOperatingSystem } from './base-image';
import { ImageBuildStep } from './image-build-step';
import { ImageDistributionTarget } from './image-distribution';
import { ImageRetention } from './image-retention';
import { ARTIFACT_PARAMETER, renderApplicationComponentDocument } from './private/image/application-component';
import { ArtifactBuildSettings, artifactBuildStatements } from './private/image/build-for-artifact-grant';
import {
  BoundBuildStep, SCRIPT_ACTIONS, ScriptAssetStep, ScriptStep, groupBuildSteps, scriptAssetRunner, scriptText,
} from './private/image/build-steps';
import { renderComponentDocument } from './private/image/component-document';
import { DistributionTargets } from './private/image/distribution-targets';
import { imageBuilderName, perBuildArn } from './private/image/image-builder-names';
import { ImageLifecyclePolicy, imageGroupTags } from './private/image/image-lifecycle-policy';
import { ArchiveFormat, archiveFormatOf } from './private/instances/service-install-script';
import { acknowledgeNagFinding, nagResourceReference } from './private/nag/nag-acknowledgement';
import { markLibraryConstruct } from './private/shared/library-construct';
import { APPLICATION_TAG_KEY, LIBRARY_TAG_PREFIX } from './private/shared/release-tags';

/**
 * Archive format of an application artifact.
 */
export enum ArtifactFormat {
  /** A zip archive. */
  ZIP = 'zip',
  /** A tar archive, optionally compressed (gzip, xz, bzip2). */
  TAR = 'tar',
}

/**
 * Where the application's build artifact lives.
 */
export interface ApplicationArtifact {
  /** Bucket holding the artifact. The build instance may read this one key and nothing else. */
  readonly bucket: s3.IBucket;
  /** Key of the archive. */
  readonly key: string;
  /**
   * KMS key the artifact is encrypted with, when the bucket is imported (`Bucket.fromBucketName`
   * knows no key); the build instances may decrypt with it.
   *
   * @default - the bucket's own `encryptionKey`, if any
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Archive format. Needed when the key has no telling extension, as with CodePipeline artifacts
   * and asset keys.
   *
   * @default - from the key's extension: `.zip`, or `.tar`, `.tar.gz`, `.tgz`, `.tar.xz`, `.tar.bz2`
   */
  readonly format?: ArtifactFormat;
}

/**
 * An HTTP health check that a fresh instance of the image must pass before the image is released.
 */
export interface ApplicationHealthCheck {
  /** Port the application listens on, on the instance itself. */
  readonly port: number;
  /**
   * Path to request; must start with `/`.
   *
   * @default '/'
   */
  readonly path?: string;
  /**
   * HTTP status that counts as healthy.
   *
   * @default 200
   */
  readonly expectedStatus?: number;
  /**
   * How long the application may take to answer after the service is active. Probes run every
   * 5 seconds until then; there is never a single-shot probe. At most 30 minutes, so that the
   * checks end well within the build's 60-minute test phase.
   *
   * @default Duration.minutes(2)
   */
  readonly timeout?: Duration;
}

/**
 * Properties of an `ApplicationImageRecipe`.
 */
export interface ApplicationImageRecipeProps {
  /**
   * Name of the application: its service, its user (a system user on Linux, the virtual account
   * `NT SERVICE\<name>` on Windows), its folder (`/opt/<name>`, or `C:\Program Files\<name>`), and
   * the prefix of its AMI names. 1 to 32 lowercase letters, digits or `-`, starting with a letter.
   */
  readonly applicationName: string;

  /**
   * The build artifact the recipe's own image pipeline installs into the image.
   *
   * A recipe that only a bake builds (`ImmutableAmiPipeline`, `AmiBake`) needs none: each bake
   * installs its own archive. Without one, the recipe has no image pipeline of its own, so no
   * `rebuildSchedule`, `grantStartBuild` or `BaseImage.fromRecipe`.
   *
   * @default - none: only a bake builds the recipe's images
   */
  readonly artifact?: ApplicationArtifact;

  /**
   * Command that starts the application. One line; an absolute executable path is the safest.
   *
   * On Linux, systemd runs it from `/opt/<name>` as the application's user, with the variables of
   * `/etc/<name>/environment` (written by each environment, never baked into the image), and
   * restarts it when it fails.
   *
   * On Windows, it is the binary path of an automatic Windows service that restarts when it fails,
   * so it must start a program that reports to the Service Control Manager (for example a .NET
   * app using `UseWindowsService`), with its path quoted if it contains spaces. Each environment
   * writes the service's variables to the `Environment` value of its registry key.
   */
  readonly startCommand: string;

  /**
   * HTTP health check run on a fresh instance of the new image.
   *
   * @default - no HTTP check: the image passes its test when the service is active
   */
  readonly healthCheck?: ApplicationHealthCheck;

  /**
   * dnf packages the application needs at run time (for example `java-21-amazon-corretto-headless`).
   * Linux only: on Windows, ship them in the artifact or install them with `buildSteps`.
   *
   * @default - none
   */
  readonly runtimePackages?: string[];

  /**
   * The image the application is installed on.
   *
   * @default BaseImage.amazonLinux2023()
   */
  readonly baseImage?: BaseImage;

  /**
   * Apply the operating system's pending updates (the AWS-managed `update-linux` component)
   * before installing the application.
   *
   * @default true
   */
  readonly patchOperatingSystem?: boolean;

  /**
   * Steps that run, in order, after the operating system is patched and the CloudWatch agent is
   * installed, and before the application is installed: inline scripts, script files (inlined or
   * uploaded as assets) and AWS-managed components.
   *
   * @default - none
   */
  readonly buildSteps?: ImageBuildStep[];

  /**
   * Instance types the image may be built on; Image Builder uses the first one available.
   *
   * @default - t3.medium, or t4g.medium for arm64 base images
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /**
   * VPC of the build and test instances. They need outbound access to the package repositories,
   * S3 and the Image Builder and Systems Manager endpoints.
   *
   * @default - the account's default VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc`; the first selected subnet is used.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * How long build logs are kept in the logs bucket.
   *
   * @default Duration.days(30)
   */
  readonly buildLogRetention?: Duration;

  /**
   * Tags added to every AMI the recipe produces, besides `Application` and the library's own
   * (`immutable-servers:*`, which these may not set).
   *
   * @default - none
   */
  readonly amiTags?: Record<string, string>;

  /**
   * Name of an SSM parameter (data type `aws:ec2:image`) that Image Builder points at each new AMI.
   *
   * @default - no parameter
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cr-upd-ami-distribution-settings.html
   */
  readonly amiIdParameterName?: string;

  /**
   * Regions and accounts the AMIs are copied or shared to, besides the build account and region.
   * More can be added with `addDistributionTarget`.
   *
   * @default - the build account and region only
   */
  readonly distributionTargets?: ImageDistributionTarget[];

  /**
   * Which old images to keep. A lifecycle policy retires the others daily, with their AMIs and
   * snapshots, in every region and account they were distributed to, but never an AMI that
   * `EnvironmentPromotion` has tagged as in use by an environment. Deleting copies in another
   * account needs the `Ec2ImageBuilderCrossAccountLifecycleAccess` role there.
   *
   * @default ImageRetention.age(Duration.days(90))
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html
   */
  readonly imageRetention?: ImageRetention;

  /**
   * Scan each new image for software vulnerabilities with Amazon Inspector, which must be
   * activated for EC2 scanning in the build account. Findings do not fail the build.
   *
   * @default false
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/vulnerability-scanning.html
   */
  readonly vulnerabilityScanning?: boolean;

  /**
   * When the image pipeline checks for a newer base image or component version, and builds a
   * patched image only if there is one. A cron schedule, as Image Builder accepts no rate. The
   * rebuild installs the recipe's own `artifact`; pipelines that bind a new artifact to each build
   * (`componentsForArtifact`) patch by rebuilding their last release instead.
   *
   * @default - no scheduled builds
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cron-expressions.html
   */
  readonly rebuildSchedule?: events.Schedule;
}

/** Key prefix of build logs in the logs bucket. */
const BUILD_LOG_PREFIX = 'builds';

/** Probe interval of the service and HTTP checks. */
const PROBE_INTERVAL_SECONDS = 5;

/** How long Image Builder's test phase may take, in the pipeline and in builds of one artifact. */
const IMAGE_TESTS_TIMEOUT_MINUTES = 60;

/** Image Builder's limit on a component document. */
const MAX_COMPONENT_DOCUMENT_LENGTH = 16000;

/** AWS-managed components every image gets, per operating system: patches first, then the agent. */
const MANAGED_COMPONENTS: Record<ImageOperatingSystem, { patch: string; cloudWatchAgent: string }> = {
  [ImageOperatingSystem.LINUX]: { patch: 'update-linux', cloudWatchAgent: 'amazon-cloudwatch-agent-linux' },
  [ImageOperatingSystem.WINDOWS]: { patch: 'update-windows', cloudWatchAgent: 'amazon-cloudwatch-agent-windows' },
};

/**
 * Builds an AMI with an application fully installed: nothing is installed when instances boot.
 *
 * The image is the base image, patched (by default), with the CloudWatch agent, any build steps,
 * and the application installed from its artifact as an enabled systemd service (or an automatic
 * Windows service on Windows base images). Image Builder
 * then checks on the build instance that the service is enabled, and on a fresh instance of the
 * new image that the service becomes active and (optionally) answers its HTTP health check, before
 * it distributes the AMI to the build region and every distribution target.
 *
 * Build instances require IMDSv2, have no SSH key, are terminated when a build fails, and may read
 * the artifact's key only. Build logs go to an encrypted bucket that expires them; build outcomes
 * are published to an SNS topic.
 *
 * Builds start through the image pipeline (`imagePipelineArn`), on `rebuildSchedule`, or with
 * `grantStartBuild`. To build a different artifact per build, as `ImmutableAmiPipeline` does, see
 * `componentsForArtifact`; a recipe that only such a pipeline builds needs no `artifact`, and then
 * has no image pipeline of its own.
 *
 * @example
 * declare const artifacts: s3.IBucket;
 * new ApplicationImageRecipe(this, 'WebImage', {
 *   applicationName: 'web',
 *   artifact: { bucket: artifacts, key: 'web/web-1.4.2.tar.gz' },
 *   startCommand: '/opt/web/bin/server --port 8080',
 *   runtimePackages: ['nodejs20'],
 *   healthCheck: { port: 8080, path: '/health' },
 * });
 */
export class ApplicationImageRecipe extends Construct {
  /** The application the images install, and the service they run. */
  public readonly applicationName: string;

  /**
   * How the images start the service, and the port their health check probes: what a deployment
   * of them must agree with.
   *
   * @internal
   */
  public readonly _service: { readonly startCommand: string; readonly healthCheckPort?: number };
  /** Name of the image recipe; images of this recipe carry it as their name. */
  public readonly imageRecipeName: string;
  /** ARN of the image recipe. */
  public readonly imageRecipeArn: string;
  /** ARN of the infrastructure configuration. */
  public readonly infrastructureConfigurationArn: string;
  /** ARN of the distribution configuration. */
  public readonly distributionConfigurationArn: string;
  /**
   * ARN of the image pipeline that builds images of this recipe with its `artifact`.
   *
   * @default - none, for a recipe without an artifact, which only a bake builds
   */
  public readonly imagePipelineArn?: string;
  /** ARN of the component that installs and checks the application. */
  public readonly applicationComponentArn: string;
  /** Role of the build and test instances. */
  public readonly instanceRole: iam.IRole;
  /** Bucket that receives build logs. */
  public readonly buildLogsBucket: s3.IBucket;
  /** Topic that receives build outcomes from Image Builder. */
  public readonly buildNotificationsTopic: sns.ITopic;
  /** The base image. */
  public readonly baseImage: BaseImage;
  /** Whether Amazon Inspector scans each new image. */
  public readonly vulnerabilityScanning: boolean;
  /**
   * Tags of the Image Builder images of this recipe; the lifecycle policy manages the images that
   * carry them. The image pipeline adds them; pass them as `tags` when creating images otherwise.
   */
  public readonly imageTags: Record<string, string>;

  private readonly retention: ImageRetention;

  private readonly recipeComponents: imagebuilder.CfnImageRecipe.ComponentConfigurationProperty[];
  private readonly buildSettings: Pick<imagebuilder.CfnImageRecipeProps, 'parentImage' | 'additionalInstanceConfiguration'>;
  private readonly archiveFormat: ArchiveFormat;
  private readonly distributionTargets: DistributionTargets;
  private readonly uploadedScripts: assets.Asset[] = [];

  constructor(scope: Construct, id: string, props: ApplicationImageRecipeProps) {
    super(scope, id);
    markLibraryConstruct(this, 'ApplicationImageRecipe');
    this.baseImage = props.baseImage ?? BaseImage.amazonLinux2023();
    this.applicationName = props.applicationName;
    this._service = { startCommand: props.startCommand, healthCheckPort: props.healthCheck?.port };
    const operatingSystem = this.baseImage.operatingSystem;
    const instanceTypes = props.instanceTypes ?? [defaultInstanceType(this.baseImage)];
    if (instanceTypes.length === 0) {
      throw new Error('instanceTypes must name at least one instance type, got []');
    }
    validateInstanceArchitectures(instanceTypes, this.baseImage);
    const artifact = props.artifact;
    if (artifact !== undefined) validateArtifactKey(artifact.key);
    if (artifact === undefined && props.rebuildSchedule !== undefined) {
      throw new Error(`rebuildSchedule rebuilds the recipe's own artifact, and recipe ${this.node.path} has none: give it an artifact, `
        + 'or patch through the pipeline that builds it (ImmutableAmiPipeline patchRebuildSchedule)');
    }
    // Without an artifact of its own, the recipe installs what bakes give it: tar.gz archives.
    this.archiveFormat = artifact === undefined ? 'tar' : artifact.format ?? archiveFormatOf(artifact.key);
    const healthCheckTimeout = props.healthCheck?.timeout;
    if (healthCheckTimeout && (healthCheckTimeout.toSeconds() < PROBE_INTERVAL_SECONDS || healthCheckTimeout.toMinutes({ integral: false }) > 30)) {
      throw new Error(`healthCheck.timeout must be from ${PROBE_INTERVAL_SECONDS} seconds to 30 minutes, got ${healthCheckTimeout.toHumanString()}`);
    }
    const retention = props.buildLogRetention ?? Duration.days(30);
    if (retention.toDays({ integral: false }) < 1 || !Number.isInteger(retention.toDays({ integral: false }))) {
      throw new Error(`buildLogRetention must be a whole number of days, at least 1, got ${retention.toHumanString()}`);
    }
    validateLibraryTagsUnused(props.amiTags ?? {});
    const amiTags = { Application: props.applicationName, ...props.amiTags, [APPLICATION_TAG_KEY]: props.applicationName };
    validateAmiTags(amiTags);
    if (props.amiIdParameterName !== undefined) validateParameterName(props.amiIdParameterName);
    const rebuildSchedule = props.rebuildSchedule?.expressionString;
    if (rebuildSchedule !== undefined && !Token.isUnresolved(rebuildSchedule) && !rebuildSchedule.startsWith('cron(')) {
      throw new Error(`rebuildSchedule must be a cron schedule (Schedule.cron), because Image Builder accepts no other; got '${rebuildSchedule}'`);
    }

    const application = new imagebuilder.CfnComponent(this, 'ApplicationComponent', this.applicationComponentProps(props));
    this.applicationComponentArn = application.attrArn;
    const managed = MANAGED_COMPONENTS[operatingSystem];
    const buildSteps = (props.buildSteps ?? []).map((step) => step._bind(operatingSystem))
      .map((step, index) => (step.scriptAsset ? { script: this.uploadScript(step.scriptAsset, index) } : step));
    const components = [
      ...(props.patchOperatingSystem ?? true ? [managedComponent(managed.patch)] : []),
      managedComponent(managed.cloudWatchAgent),
      ...this.buildStepComponents(buildSteps),
      { arn: application.attrArn, identity: application.name },
    ];
    this.recipeComponents = components.map(({ arn }) => ({ componentArn: arn }));

    const parentImage = this.baseImage.parentImage;
    // Our components are named after their content, so a recipe named after its parent image and
    // its components' names changes name whenever they change: the recipe, which cannot be updated
    // in place, is replaced under a new name.
    // The SSM agent stays in the image even when Image Builder had to install it for the build:
    // instances need it for Session Manager, Run Command and the release checks.
    const additionalInstanceConfiguration = { systemsManagerAgent: { uninstallAfterBuild: false } };
    this.buildSettings = { parentImage, additionalInstanceConfiguration };
    const componentIdentities = components.map(({ identity }) => identity);
    this.imageRecipeName = imageBuilderName(this, { parentImage, components: componentIdentities, additionalInstanceConfiguration });
    const recipe = new imagebuilder.CfnImageRecipe(this, 'Recipe', {
      name: this.imageRecipeName,
      version: '1.0.0',
      parentImage,
      components: this.recipeComponents,
      additionalInstanceConfiguration,
    });
    this.imageRecipeArn = recipe.attrArn;

    const role = this.createInstanceRole(props);
    this.instanceRole = role;
    // The uploaded scripts' keys only, as for the artifact.
    for (const script of this.uploadedScripts) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [script.bucket.arnForObjects(script.s3ObjectKey)] }));
    }
    const instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role });
    const logs = this.createBuildLogsBucket(role, retention);
    this.buildLogsBucket = logs;
    const topic = new sns.Topic(this, 'BuildNotifications', { enforceSSL: true });
    this.buildNotificationsTopic = topic;

    const network = props.vpc ? this.buildNetwork(props.vpc, props.vpcSubnets) : undefined;
    const infrastructure = new imagebuilder.CfnInfrastructureConfiguration(this, 'Infrastructure', {
      name: imageBuilderName(this),
      description: `Build and test instances of the ${props.applicationName} image`,
      instanceProfileName: instanceProfile.instanceProfileName,
      instanceTypes: instanceTypes.map((type) => type.toString()),
      subnetId: network?.subnetId,
      securityGroupIds: network?.securityGroupIds,
      instanceMetadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      terminateInstanceOnFailure: true,
      logging: { s3Logs: { s3BucketName: logs.bucketName, s3KeyPrefix: BUILD_LOG_PREFIX } },
      snsTopicArn: topic.topicArn,
    });
    // A build can start as soon as the configuration exists; the role's policy must exist by then.
    infrastructure.node.addDependency(role);
    this.infrastructureConfigurationArn = infrastructure.attrArn;

    this.distributionTargets = new DistributionTargets(Stack.of(this).region);
    props.distributionTargets?.forEach((target) => this.distributionTargets.add(target));
    const ssmParameters = props.amiIdParameterName
      ? [{ parameterName: props.amiIdParameterName, dataType: 'aws:ec2:image' }]
      : undefined;
    const distribution = new imagebuilder.CfnDistributionConfiguration(this, 'Distribution', {
      name: imageBuilderName(this),
      // Lazy: environments add their accounts and regions after the recipe exists.
      distributions: Lazy.any({
        produce: () => this.distributionTargets.render({ name: `${props.applicationName}-{{ imagebuilder:buildDate }}`, tags: amiTags }, ssmParameters),
      }) as any,
    });
    this.distributionConfigurationArn = distribution.attrArn;

    this.vulnerabilityScanning = props.vulnerabilityScanning ?? false;
    this.imageTags = imageGroupTags(this);
    this.imagePipelineArn = artifact && new imagebuilder.CfnImagePipeline(this, 'Pipeline', {
      name: imageBuilderName(this),
      description: `Builds ${props.applicationName} images`,
      imageRecipeArn: recipe.attrArn,
      infrastructureConfigurationArn: infrastructure.attrArn,
      distributionConfigurationArn: distribution.attrArn,
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: IMAGE_TESTS_TIMEOUT_MINUTES },
      imageScanningConfiguration: { imageScanningEnabled: this.vulnerabilityScanning },
      enhancedImageMetadataEnabled: true,
      imageTags: this.imageTags,
      schedule: rebuildSchedule === undefined ? undefined : {
        scheduleExpression: rebuildSchedule,
        pipelineExecutionStartCondition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE',
      },
      status: 'ENABLED',
    }).attrArn;

    this.retention = props.imageRetention ?? ImageRetention.age(Duration.days(90));
    new ImageLifecyclePolicy(this, 'Lifecycle', {
      description: `Retires old ${props.applicationName} images`,
      imageTags: this.imageTags,
      retention: this.retention,
    });
  }

  /**
   * The age in days at which the lifecycle policy deletes an image; undefined for a count.
   *
   * @internal
   */
  public get _amiDeletionAgeDays(): number | undefined {
    return this.retention._deletionAgeDays;
  }

  /**
   * Copies or shares the AMIs to another region or account. Targets for a region that is already
   * a target are merged with it.
   */
  public addDistributionTarget(target: ImageDistributionTarget): void {
    this.distributionTargets.add(target);
  }

  /**
   * The regions the AMIs are distributed to, the build region first.
   */
  public get distributionRegions(): string[] {
    return this.distributionTargets.regions;
  }

  /**
   * Whether each build leaves an AMI of its own in this account and region.
   *
   * @internal
   */
  public _distributesTo(account: string, region: string): boolean {
    return this.distributionTargets.copiesTo(account, region, Stack.of(this).account);
  }

  /**
   * Every `<account>/<region>` a build leaves an AMI of its own in, as a release manifest keys them.
   *
   * @internal
   */
  public get _amiDestinations(): string[] {
    return this.distributionTargets.destinations(Stack.of(this).account);
  }

  /**
   * Lets a principal start a build of this recipe's image pipeline.
   */
  public grantStartBuild(grantee: iam.IGrantable): iam.Grant {
    if (this.imagePipelineArn === undefined) {
      throw new Error(`grantStartBuild: recipe ${this.node.path} has no artifact, so no image pipeline of its own to start; `
        + 'give it an artifact, or start the pipeline that bakes it');
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['imagebuilder:StartImagePipelineExecution'],
      resourceArns: [this.imagePipelineArn],
    });
  }

  /**
   * Lets a principal, such as a bake workflow, build an image of one artifact: create a recipe
   * version named `<imageRecipeName>-<suffix>` (at most 128 characters) with
   * `componentsForArtifact`, build it with `CreateImage` and this recipe's infrastructure and
   * distribution configurations, and follow the build with `GetImage`.
   */
  public grantBuildForArtifact(grantee: iam.IGrantable): void {
    const statements = artifactBuildStatements(Stack.of(this), {
      recipeNamePrefix: this.imageRecipeName,
      componentArns: this.recipeComponents.flatMap((component) => component.componentArn ?? []),
      infrastructureConfigurationArn: this.infrastructureConfigurationArn,
      distributionConfigurationArn: this.distributionConfigurationArn,
      instanceRoleArn: this.instanceRole.roleArn,
      vulnerabilityScanning: this.vulnerabilityScanning,
    });
    statements.forEach((statement) => grantee.grantPrincipal.addToPrincipalPolicy(statement));
    if (Construct.isConstruct(grantee)) {
      const acknowledge = (resource: string, reason: string) =>
        acknowledgeNagFinding(grantee, `AwsSolutions-IAM5[Resource::${nagResourceReference(this, resource)}]`, reason);
      const stack = Stack.of(this);
      acknowledge(perBuildArn(stack, this.imageRecipeName, 'image-recipe'),
        'Recipe versions made for one artifact each are named after this recipe and a per-build suffix');
      acknowledge(perBuildArn(stack, this.imageRecipeName),
        'Images of the recipe versions made for one artifact each are named after this recipe and a per-build suffix');
      acknowledge(stack.formatArn({ service: 'imagebuilder', account: 'aws', resource: 'image', resourceName: '*' }),
        'Image Builder reads the AWS-managed parent image of a build, whose name and version the build resolves');
    }
  }

  /**
   * Lets the build instances read artifacts other than the recipe's own, for recipe versions
   * made by `componentsForArtifact`.
   *
   * @param bucket bucket holding the artifacts
   * @param keyPattern keys the instances may read, for example `my-pipeline/BuildOutput/*`
   */
  public addArtifactSource(bucket: s3.IBucket, keyPattern: string): void {
    const objects = bucket.arnForObjects(keyPattern);
    this.instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    bucket.encryptionKey?.grantDecrypt(this.instanceRole);
    if (keyPattern.includes('*')) {
      acknowledgeNagFinding(this.instanceRole, `AwsSolutions-IAM5[Resource::${nagResourceReference(this, objects)}]`,
        `Each build installs its own artifact, under a key the pipeline generates; the build instances may read objects under ${keyPattern} only`);
    }
  }

  /**
   * The components of a recipe that installs the given artifact instead of the recipe's own: the
   * same components in the same order, with the application component's artifact parameter set.
   *
   * This is how one artifact is bound to one build: create a recipe version with these components
   * for each build (`imagebuilder:CreateImageRecipe`, with this recipe's parent image) and build it
   * with `imagebuilder:CreateImage` and this recipe's infrastructure and distribution
   * configurations. Each build then names its artifact in its own immutable recipe, so two builds
   * that run close together cannot install each other's artifact, as they could through a shared
   * "latest artifact" key or parameter. The build instances must be allowed to read the artifact
   * (`addArtifactSource`).
   *
   * The structs use the casing of the `CfnImageRecipe` L1 (`componentArn`, `parameters`); an
   * `aws-sdk:imagebuilder:createImageRecipe` Step Functions task takes the same fields in
   * PascalCase (`ComponentArn`, `Parameters`, `Name`, `Value`).
   *
   * @param artifactS3Uri `s3://bucket/key` of the artifact, a token, or a Step Functions JSONata
   * expression (`{% ... %}`) that yields one. It is substituted into a single-quoted shell string,
   * so it must not contain quotes.
   * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateImageRecipe.html
   */
  public componentsForArtifact(artifactS3Uri: string): imagebuilder.CfnImageRecipe.ComponentConfigurationProperty[] {
    const isJsonataExpression = /^\{%.*%\}$/s.test(artifactS3Uri);
    if (!Token.isUnresolved(artifactS3Uri) && !isJsonataExpression && !/^s3:\/\/[^'"\s]+$/.test(artifactS3Uri)) {
      throw new Error(`artifactS3Uri must be an s3://bucket/key URI without quotes or spaces, got '${artifactS3Uri}'`);
    }
    return this.recipeComponents.map((component) => component.componentArn === this.applicationComponentArn
      ? { ...component, parameters: [{ name: ARTIFACT_PARAMETER, value: [artifactS3Uri] }] }
      : component);
  }

  /**
   * What a recipe version for one artifact and its build repeat of this recipe and its pipeline,
   * so that a bake builds what the image pipeline would.
   *
   * @internal
   */
  public get _artifactBuildSettings(): ArtifactBuildSettings {
    return {
      parentImage: this.buildSettings.parentImage,
      additionalInstanceConfiguration: this.buildSettings.additionalInstanceConfiguration,
      imageTestsTimeoutMinutes: IMAGE_TESTS_TIMEOUT_MINUTES,
      vulnerabilityScanning: this.vulnerabilityScanning,
      archiveFormat: this.archiveFormat,
    };
  }

  private applicationComponentProps(props: ApplicationImageRecipeProps): imagebuilder.CfnComponentProps {
    const healthCheck = props.healthCheck;
    const data = renderApplicationComponentDocument({
      operatingSystem: this.baseImage.operatingSystem,
      serviceName: props.applicationName,
      defaultArtifactS3Uri: props.artifact?.bucket.s3UrlForObject(props.artifact.key),
      archiveFormat: this.archiveFormat,
      startCommand: props.startCommand,
      runtimePackages: props.runtimePackages ?? [],
      serviceProbe: { attempts: 24, intervalSeconds: PROBE_INTERVAL_SECONDS },
      healthCheck: healthCheck && {
        port: healthCheck.port,
        path: healthCheck.path ?? '/',
        expectedStatus: healthCheck.expectedStatus ?? 200,
        attempts: Math.max(1, Math.ceil((healthCheck.timeout ?? Duration.minutes(2)).toSeconds() / PROBE_INTERVAL_SECONDS)),
        intervalSeconds: PROBE_INTERVAL_SECONDS,
      },
    });
    return this.componentProps(data, `Installs and checks ${props.applicationName}`);
  }

  /** Uploads a script file as an asset, and returns the script step that downloads and runs it. */
  private uploadScript(step: ScriptAssetStep, index: number): ScriptStep {
    const asset = new assets.Asset(this, `BuildStepScript${index + 1}`, { path: step.path });
    this.uploadedScripts.push(asset);
    return scriptAssetRunner(step, asset.s3BucketName, asset.s3ObjectKey);
  }

  /** The components that run the build steps: one per run of consecutive scripts, and each managed one. */
  private buildStepComponents(steps: BoundBuildStep[]): RecipeComponent[] {
    let scriptComponents = 0;
    return groupBuildSteps(steps).map((group) => 'managedComponent' in group
      ? managedComponent(group.managedComponent.name, group.managedComponent.version)
      : this.scriptComponent(group.scripts, ++scriptComponents));
  }

  private scriptComponent(scripts: ScriptStep[], number: number): RecipeComponent {
    const operatingSystem = this.baseImage.operatingSystem;
    const data = renderComponentDocument({
      name: `build-steps-${number}`,
      description: `Build steps ${scripts.map((step) => step.name).join(', ')}`,
      phases: [{
        name: 'build',
        steps: scripts.map((step) => ({ name: step.name, action: SCRIPT_ACTIONS[operatingSystem], inputs: { commands: [scriptText(step)] } })),
      }],
    });
    const component = new imagebuilder.CfnComponent(this, `BuildSteps${number}`, this.componentProps(data, `Build steps ${number}`));
    return { arn: component.attrArn, identity: component.name };
  }

  private componentProps(data: string, description: string): imagebuilder.CfnComponentProps {
    if (data.length > MAX_COMPONENT_DOCUMENT_LENGTH) {
      throw new Error(`${description}: the component document is ${data.length} characters, over Image Builder's limit of ${MAX_COMPONENT_DOCUMENT_LENGTH}; move long scripts into the application artifact`);
    }
    return {
      // Named after the content: a changed document is a new component, never an in-place update.
      name: imageBuilderName(this, data),
      description,
      platform: this.baseImage.operatingSystem,
      version: '1.0.0',
      data,
    };
  }

  private createInstanceRole(props: ApplicationImageRecipeProps): iam.Role {
    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Build and test instances of the ${props.applicationName} image`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
      ],
    });
    const artifact = props.artifact;
    if (artifact !== undefined) {
      // The artifact's key only: not grantRead, whose wildcard actions would also list the bucket.
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [artifact.bucket.arnForObjects(artifact.key)] }));
      (artifact.encryptionKey ?? artifact.bucket.encryptionKey)?.grantDecrypt(role);
    }
    for (const policy of ['AmazonSSMManagedInstanceCore', 'EC2InstanceProfileForImageBuilder']) {
      acknowledgeNagFinding(role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
        `Image Builder documents ${policy} as an AWS-managed policy its build instances need; it follows the service as it changes`);
    }
    return role;
  }

  private createBuildLogsBucket(role: iam.Role, retention: Duration): s3.Bucket {
    const logs = new s3.Bucket(this, 'BuildLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: retention }],
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [logs.arnForObjects(`${BUILD_LOG_PREFIX}/*`)] }));
    acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(this, logs.arnForObjects(`${BUILD_LOG_PREFIX}/*`))}]`,
      'Image Builder writes build logs under object keys it generates per build; the role may put objects under the build log prefix only');
    acknowledgeNagFinding(logs, 'AwsSolutions-S1',
      'The bucket holds only expiring Image Builder build logs, written by the build role; access logs of it would need a second bucket per recipe');
    return logs;
  }

  private buildNetwork(vpc: ec2.IVpc, selection?: ec2.SubnetSelection): { subnetId: string; securityGroupIds: string[] } {
    const { subnetIds } = vpc.selectSubnets(selection ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    if (subnetIds.length === 0) {
      throw new Error(`vpcSubnets selects no subnet in VPC ${vpc.node.path}`);
    }
    // Outbound only: the instances fetch packages and the artifact; nothing connects to them.
    const securityGroup = new ec2.SecurityGroup(this, 'BuildSecurityGroup', {
      vpc,
      description: 'Image Builder build and test instances: outbound only',
      allowAllOutbound: true,
    });
    return { subnetId: subnetIds[0], securityGroupIds: [securityGroup.securityGroupId] };
  }
}

/** A component of the recipe, and what identifies its content: its name, or its ARN if managed. */
interface RecipeComponent {
  readonly arn: string;
  readonly identity: string;
}

function managedComponent(componentName: string, version: string = 'x.x.x'): RecipeComponent {
  const arn = `arn:${Aws.PARTITION}:imagebuilder:${Aws.REGION}:aws:component/${componentName}/${version}`;
  return { arn, identity: arn };
}

function defaultInstanceType(baseImage: BaseImage): ec2.InstanceType {
  return new ec2.InstanceType(baseImage.architecture === ec2.InstanceArchitecture.ARM_64 ? 't4g.medium' : 't3.medium');
}

function validateInstanceArchitectures(instanceTypes: ec2.InstanceType[], baseImage: BaseImage): void {
  const mismatched = instanceTypes.filter((type) => !Token.isUnresolved(type.toString()) && type.architecture !== baseImage.architecture);
  if (mismatched.length > 0) {
    throw new Error(`instanceTypes must run ${baseImage.architecture} images like the base image, got ${mismatched.map((type) => `${type} (${type.architecture})`).join(', ')}`);
  }
}

/** The key is written into a single-quoted shell string, so it must not contain quotes or newlines. */
function validateArtifactKey(key: string): void {
  if (!Token.isUnresolved(key) && !/^[A-Za-z0-9!_.*()\/=+,@-]+$/.test(key)) {
    throw new Error(`Application artifact key may only contain letters, digits and ! _ . * ( ) / = + , @ -, got '${key}'`);
  }
}

/** @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_AmiDistributionConfiguration.html */
/** The library's tags say what releases may do with an AMI: a user's tag must not set or hide them. */
function validateLibraryTagsUnused(tags: Record<string, string>): void {
  const reserved = Object.keys(tags).filter((key) => !Token.isUnresolved(key) && key.startsWith(LIBRARY_TAG_PREFIX));
  if (reserved.length > 0) {
    throw new Error(`amiTags may not set the library's own tags (${LIBRARY_TAG_PREFIX}*), got ${reserved.map((key) => `'${key}'`).join(', ')}: choose another key`);
  }
}

function validateAmiTags(tags: Record<string, string>): void {
  const keys = Object.keys(tags);
  if (keys.length > 50) {
    throw new Error(`AMIs may carry at most 50 tags, got ${keys.length} (including Application)`);
  }
  for (const [key, value] of Object.entries(tags)) {
    if (Token.isUnresolved(key)) continue;
    if (key.length > 128 || !/^(?!aws:)[a-zA-Z+-=._:/]+$/.test(key)) {
      throw new Error(`AMI tag key '${key}' is not one Image Builder accepts: up to 128 letters, digits and + - = . _ : /, not starting with 'aws:'`);
    }
    if (!Token.isUnresolved(value) && value.length > 256) {
      throw new Error(`AMI tag '${key}' has a value of ${value.length} characters; the limit is 256`);
    }
  }
}

/** @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html */
function validateParameterName(name: string): void {
  if (Token.isUnresolved(name)) return;
  if (!/^[a-zA-Z0-9_.\-/]{1,1011}$/.test(name) || /^\/?(aws|ssm)/i.test(name)) {
    throw new Error(`amiIdParameterName must be letters, digits and _ . - /, not starting with 'aws' or 'ssm', got '${name}'`);
  }
}
