import {
  Aws, Duration, Token,
  aws_ec2 as ec2, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_s3 as s3, aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BaseImage, ImageOperatingSystem } from './base-image';
import { renderComponentDocument } from './private/component-document';
import { renderHttpHealthCheckScript } from './private/http-health-check-script';
import { imageBuilderName } from './private/image-builder-names';
import { acknowledgeNagFinding, nagArnReference } from './private/nag-acknowledgement';
import {
  archiveFormatOf, renderServiceActiveScript, renderServiceEnabledScript, renderServiceInstallScript,
} from './private/service-install-script';

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
   * 5 seconds until then; there is never a single-shot probe.
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
   * Name of the application: its systemd service, system user and `/opt/<name>` folder, and the
   * prefix of its AMI names. 1 to 32 lowercase letters, digits or `-`, starting with a letter.
   */
  readonly applicationName: string;

  /** The build artifact installed into the image. */
  readonly artifact: ApplicationArtifact;

  /**
   * Command that starts the application, run by systemd from `/opt/<name>` as the application's
   * user, with the variables of `/etc/<name>/environment` (written by each environment, never
   * baked into the image). One line; an absolute executable path is the safest.
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
   * Tags added to every AMI the recipe produces.
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
}

/** Key prefix of build logs in the logs bucket. */
const BUILD_LOG_PREFIX = 'builds';

/** Probe interval of the service and HTTP checks. */
const PROBE_INTERVAL_SECONDS = 5;

/**
 * Builds an AMI with an application fully installed: nothing is installed when instances boot.
 *
 * The image is the base image, patched (by default), with the CloudWatch agent and the
 * application installed from its artifact as an enabled systemd service. Image Builder then
 * checks on the build instance that the service is enabled, and on a fresh instance of the new
 * image that the service becomes active and (optionally) answers its HTTP health check, before it
 * distributes the AMI.
 *
 * Build instances require IMDSv2, have no SSH key, are terminated when a build fails, and may read
 * the artifact's key only. Build logs go to an encrypted bucket that expires them; build outcomes
 * are published to an SNS topic.
 *
 * Builds start through the image pipeline (`imagePipelineArn`), for example from
 * `ImmutableAmiPipeline` or with `grantStartBuild`.
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
  /** ARN of the image recipe. */
  public readonly imageRecipeArn: string;
  /** ARN of the infrastructure configuration. */
  public readonly infrastructureConfigurationArn: string;
  /** ARN of the distribution configuration. */
  public readonly distributionConfigurationArn: string;
  /** ARN of the image pipeline that builds images of this recipe. */
  public readonly imagePipelineArn: string;
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

  constructor(scope: Construct, id: string, props: ApplicationImageRecipeProps) {
    super(scope, id);
    this.baseImage = props.baseImage ?? BaseImage.amazonLinux2023();
    if (this.baseImage.operatingSystem !== ImageOperatingSystem.LINUX) {
      throw new Error(`ApplicationImageRecipe installs applications as systemd services, which needs a Linux base image; got ${this.baseImage.operatingSystem} (${this.baseImage.parentImage})`);
    }
    const instanceTypes = props.instanceTypes ?? [defaultInstanceType(this.baseImage)];
    if (instanceTypes.length === 0) {
      throw new Error('instanceTypes must name at least one instance type, got []');
    }
    validateArtifactKey(props.artifact.key);
    const retention = props.buildLogRetention ?? Duration.days(30);
    if (retention.toDays({ integral: false }) < 1 || !Number.isInteger(retention.toDays({ integral: false }))) {
      throw new Error(`buildLogRetention must be a whole number of days, at least 1, got ${retention.toHumanString()}`);
    }

    const application = new imagebuilder.CfnComponent(this, 'ApplicationComponent', this.applicationComponentProps(props));
    this.applicationComponentArn = application.attrArn;

    const managedComponents = [
      ...(props.patchOperatingSystem ?? true ? ['update-linux'] : []),
      'amazon-cloudwatch-agent-linux',
    ].map(managedComponentArn);
    const parentImage = this.baseImage.parentImage;
    const recipe = new imagebuilder.CfnImageRecipe(this, 'Recipe', {
      // The component's name already changes with its content; fold it into the recipe's name so
      // that the recipe, which cannot be updated in place, is replaced under a new name too.
      name: imageBuilderName(this, { parentImage, managedComponents, application: application.name }),
      version: '1.0.0',
      parentImage,
      components: [...managedComponents, application.attrArn].map((componentArn) => ({ componentArn })),
    });
    this.imageRecipeArn = recipe.attrArn;

    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Build and test instances of the ${props.applicationName} image`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
      ],
    });
    this.instanceRole = role;
    // The artifact's key only: not grantRead, whose wildcard actions would also list the bucket.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [props.artifact.bucket.arnForObjects(props.artifact.key)],
    }));
    props.artifact.bucket.encryptionKey?.grantDecrypt(role);
    const instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role });

    const logs = new s3.Bucket(this, 'BuildLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: retention }],
    });
    this.buildLogsBucket = logs;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [logs.arnForObjects(`${BUILD_LOG_PREFIX}/*`)] }));
    const buildLogObjects = `${nagArnReference(logs.node.defaultChild as s3.CfnBucket)}/${BUILD_LOG_PREFIX}/*`;
    acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${buildLogObjects}]`,
      'Image Builder writes build logs under object keys it generates per build; the role may put objects under the build log prefix only');
    for (const policy of ['AmazonSSMManagedInstanceCore', 'EC2InstanceProfileForImageBuilder']) {
      acknowledgeNagFinding(role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
        `Image Builder documents ${policy} as an AWS-managed policy its build instances need; it follows the service as it changes`);
    }
    acknowledgeNagFinding(logs, 'AwsSolutions-S1',
      'The bucket holds only expiring Image Builder build logs, written by the build role; access logs of it would need a second bucket per recipe');

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
    this.infrastructureConfigurationArn = infrastructure.attrArn;

    const distribution = new imagebuilder.CfnDistributionConfiguration(this, 'Distribution', {
      name: imageBuilderName(this),
      distributions: [{
        region: Aws.REGION,
        // The L1 types this property loosely (`any`), so its keys are CloudFormation's own casing.
        amiDistributionConfiguration: {
          Name: `${props.applicationName}-{{ imagebuilder:buildDate }}`,
          AmiTags: { Application: props.applicationName, ...props.amiTags },
        },
        ssmParameterConfigurations: props.amiIdParameterName
          ? [{ parameterName: props.amiIdParameterName, dataType: 'aws:ec2:image' }]
          : undefined,
      }],
    });
    this.distributionConfigurationArn = distribution.attrArn;

    const pipeline = new imagebuilder.CfnImagePipeline(this, 'Pipeline', {
      name: imageBuilderName(this),
      description: `Builds ${props.applicationName} images`,
      imageRecipeArn: recipe.attrArn,
      infrastructureConfigurationArn: infrastructure.attrArn,
      distributionConfigurationArn: distribution.attrArn,
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
      enhancedImageMetadataEnabled: true,
      status: 'ENABLED',
    });
    this.imagePipelineArn = pipeline.attrArn;
  }

  /**
   * Lets a principal start a build of this recipe's image pipeline.
   */
  public grantStartBuild(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['imagebuilder:StartImagePipelineExecution'],
      resourceArns: [this.imagePipelineArn],
    });
  }

  private applicationComponentProps(props: ApplicationImageRecipeProps): imagebuilder.CfnComponentProps {
    const serviceName = props.applicationName;
    const healthCheck = props.healthCheck;
    const installScript = renderServiceInstallScript({
      serviceName,
      artifactS3Uri: props.artifact.bucket.s3UrlForObject(props.artifact.key),
      archiveFormat: props.artifact.format ?? archiveFormatOf(props.artifact.key),
      startCommand: props.startCommand,
      runtimePackages: props.runtimePackages ?? [],
    });
    const testSteps = [
      bashStep('ServiceActive', renderServiceActiveScript(serviceName, 24, PROBE_INTERVAL_SECONDS)),
      ...(healthCheck ? [bashStep('HttpHealthCheck', renderHttpHealthCheckScript({
        port: healthCheck.port,
        path: healthCheck.path ?? '/',
        expectedStatus: healthCheck.expectedStatus ?? 200,
        attempts: Math.max(1, Math.ceil((healthCheck.timeout ?? Duration.minutes(2)).toSeconds() / PROBE_INTERVAL_SECONDS)),
        intervalSeconds: PROBE_INTERVAL_SECONDS,
      }))] : []),
    ];
    const data = renderComponentDocument({
      name: `${serviceName}-application`,
      description: `Installs ${serviceName} as a systemd service and checks that it runs`,
      phases: [
        { name: 'build', steps: [bashStep('InstallApplication', installScript)] },
        { name: 'validate', steps: [bashStep('ServiceEnabled', renderServiceEnabledScript(serviceName))] },
        { name: 'test', steps: testSteps },
      ],
    });
    return {
      name: imageBuilderName(this, data),
      description: `Installs and checks ${serviceName}`,
      platform: ImageOperatingSystem.LINUX,
      version: '1.0.0',
      data,
    };
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

function bashStep(name: string, script: string) {
  return { name, action: 'ExecuteBash', inputs: { commands: [script] } };
}

function managedComponentArn(componentName: string): string {
  return `arn:${Aws.PARTITION}:imagebuilder:${Aws.REGION}:aws:component/${componentName}/x.x.x`;
}

function defaultInstanceType(baseImage: BaseImage): ec2.InstanceType {
  return new ec2.InstanceType(baseImage.architecture === ec2.InstanceArchitecture.ARM_64 ? 't4g.medium' : 't3.medium');
}

/** The key is written into a single-quoted shell string, so it must not contain quotes or newlines. */
function validateArtifactKey(key: string): void {
  if (!Token.isUnresolved(key) && !/^[A-Za-z0-9!_.*()\/=+,@-]+$/.test(key)) {
    throw new Error(`Application artifact key may only contain letters, digits and ! _ . * ( ) / = + , @ -, got '${key}'`);
  }
}
