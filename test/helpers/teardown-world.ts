/**
 * moto_server holding what the library leaves behind, for the teardown command's tests: seeded and
 * read with the AWS SDK for JavaScript v3, in any account (moto keeps accounts apart by the
 * `x-moto-account-id` header), while the command under test reaches it as it would reach AWS:
 * `AWS_ENDPOINT_URL`, default credentials for moto's own account and an assumed role for the others.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  CloudFormationClient, CreateStackCommand, DeleteStackCommand, ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  AttachVolumeCommand, CreateSnapshotCommand, CreateTagsCommand, CreateVolumeCommand, DescribeImagesCommand, DescribeSnapshotsCommand,
  DescribeVolumesCommand, EC2Client, RegisterImageCommand, RunInstancesCommand, Tag,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { HeadBucketCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { MotoServer, startMotoServer } from '../../scripts/lib/journey/moto-server';
import { AwsClients } from '../../src/cli/teardown/aws-access';
import { Location } from '../../src/cli/teardown/location';
import { DATA_VOLUME_TAG_KEYS } from '../../src/private/shared/data-volume-tags';
import { APPLICATION_TAG_KEY, RELEASE_TAG_KEYS } from '../../src/private/shared/release-tags';

type ClientClass<T> = new (config: any) => T;

/** A resource of a stack the world creates and deletes: retained (DeletionPolicy Retain) unless `deleted`. */
export interface StackResource {
  readonly type: 'bucket' | 'logGroup' | 'key' | 'volume';
  /** CloudFormation deletes it with the stack. */
  readonly deleted?: boolean;
  /** A bucket's objects. */
  readonly objects?: string[];
}

/** A data volume the world makes: of slot 1 and application `web` unless told otherwise. */
export interface DataVolumeOptions {
  readonly slot?: number;
  readonly application?: string;
  /** Attached to an instance. */
  readonly attached?: boolean;
  /** These tags instead of those `DataVolumes` gives a volume. */
  readonly tags?: Tag[];
}

const RESOURCE_TYPES = { bucket: 'AWS::S3::Bucket', logGroup: 'AWS::Logs::LogGroup', key: 'AWS::KMS::Key', volume: 'AWS::EC2::Volume' };

/** The environment variables the command reads its endpoint and credentials from. */
const AWS_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'];

export class TeardownWorld {
  /** Starts moto and points the default credential chain and every SDK client at it. */
  public static async start(): Promise<TeardownWorld> {
    const scratch = mkdtempSync(join(tmpdir(), 'teardown-world-'));
    const clock = join(scratch, 'clock');
    writeFileSync(clock, new Date().toISOString());
    const saved = Object.fromEntries(AWS_VARIABLES.map((name) => [name, process.env[name]]));
    const moto = await startMotoServer(clock);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      // No profile or file of the machine's may take part.
      AWS_CONFIG_FILE: join(scratch, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'credentials'),
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    return new TeardownWorld(moto, saved, scratch);
  }

  /** What CloudFormation did with each resource of the stacks the world deleted, by stack id and logical id. */
  private readonly deletedResources = new Map<string, Map<string, { status: string; physicalId: string }>>();

  private constructor(private readonly moto: MotoServer, private readonly savedEnvironment: Record<string, string | undefined>,
    private readonly scratch: string) {}

  /** A named profile whose credentials moto takes for its own account's. */
  public profile(name: string): void {
    appendFileSync(join(this.scratch, 'credentials'), `[${name}]\naws_access_key_id = testing\naws_secret_access_key = testing\n`);
  }

  public async stop(): Promise<void> {
    await this.moto.stop();
    for (const [name, value] of Object.entries(this.savedEnvironment)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }

  public reset(): Promise<void> {
    this.deletedResources.clear();
    return this.moto.reset();
  }

  /** A client of a service in an account and region of moto's. */
  public client<T extends { middlewareStack: any }>(Client: ClientClass<T>, location: Location): T {
    const client = new Client({ region: location.region, maxAttempts: 1 });
    client.middlewareStack.add((next: any) => (args: any) => {
      args.request.headers['x-moto-account-id'] = location.account;
      return next(args);
    }, { step: 'build', name: 'motoAccount' });
    return client;
  }

  /**
   * An S3 client that checks ExpectedBucketOwner as S3 does, which moto does not: a call naming an
   * account that does not own the bucket fails with 403.
   *
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
   */
  public ownerCheckingS3(location: Location): S3Client {
    const client = this.client(S3Client, location);
    client.middlewareStack.add((next: any) => async (args: any) => {
      const { Bucket: bucket, ExpectedBucketOwner: expected } = args.input ?? {};
      if (bucket !== undefined && expected !== undefined) {
        const exists = await this.client(S3Client, location).send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
        const { Buckets: owned = [] } = await this.client(S3Client, { ...location, account: expected }).send(new ListBucketsCommand({}));
        if (exists && !owned.some((candidate) => candidate.Name === bucket)) {
          throw Object.assign(new Error('Forbidden'), { name: '403', $metadata: { httpStatusCode: 403 } });
        }
      }
      return next(args);
    }, { step: 'initialize', name: 'expectedBucketOwner' });
    return client;
  }

  /**
   * An AMI tagged as a recipe tags each copy and as Image Builder tags what it makes (unless
   * `imageArn` is undefined: an AMI made otherwise), with the snapshot moto gives every AMI it registers.
   */
  public async ami(location: Location, application: string, imageArn: string | undefined): Promise<{ imageId: string; snapshotId: string }> {
    const ec2 = this.client(EC2Client, location);
    const { ImageId: imageId } = await ec2.send(new RegisterImageCommand({ Name: `${application}-${Math.random().toString(36).slice(2)}`, RootDeviceName: '/dev/xvda' }));
    const imageBuilderTags = imageArn === undefined ? [] : [{ Key: 'CreatedBy', Value: 'EC2 Image Builder' }, { Key: 'Ec2ImageBuilderArn', Value: imageArn }];
    const tags = [{ Key: APPLICATION_TAG_KEY, Value: application }, { Key: 'Application', Value: application }, ...imageBuilderTags];
    await ec2.send(new CreateTagsCommand({ Resources: [imageId!], Tags: tags }));
    const { Images: [image] = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId!] }));
    return { imageId: imageId!, snapshotId: image.BlockDeviceMappings![0].Ebs!.SnapshotId! };
  }

  /**
   * A data volume of 20 GiB in the region's first zone, tagged as `DataVolumes` tags one (the stack,
   * slot, application and environment), or with `tags` instead; attached to a new instance when
   * `attached`. Returns its id and the instance's.
   */
  public async dataVolume(location: Location, stackName: string, options: DataVolumeOptions = {})
    : Promise<{ volumeId: string; instanceId?: string }> {
    const ec2 = this.client(EC2Client, location);
    const zone = `${location.region}a`;
    const tags = options.tags ?? [
      { Key: DATA_VOLUME_TAG_KEYS.stack, Value: stackName },
      { Key: DATA_VOLUME_TAG_KEYS.slot, Value: String(options.slot ?? 1) },
      { Key: DATA_VOLUME_TAG_KEYS.used, Value: 'true' },
      { Key: APPLICATION_TAG_KEY, Value: options.application ?? 'web' },
      { Key: RELEASE_TAG_KEYS.environment, Value: 'prod' },
    ];
    const { VolumeId: volumeId } = await ec2.send(new CreateVolumeCommand({
      AvailabilityZone: zone, Size: 20, VolumeType: 'gp3', Encrypted: true, TagSpecifications: [{ ResourceType: 'volume', Tags: tags }],
    }));
    if (!options.attached) return { volumeId: volumeId! };
    // moto runs an instance of any image id unless told to check it: no AMI of the account's to list.
    const run = { ImageId: 'ami-0123456789abcdef0', MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: zone } };
    const { Instances: [instance] = [] } = await ec2.send(new RunInstancesCommand(run));
    await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instance.InstanceId, Device: '/dev/sdf' }));
    return { volumeId: volumeId!, instanceId: instance.InstanceId! };
  }

  /** A snapshot of a data volume, tagged as a release tags the one it takes before releasing `version`. */
  public async dataSnapshot(location: Location, volumeId: string, stackName: string, version: string): Promise<string> {
    const { SnapshotId: snapshotId } = await this.client(EC2Client, location).send(new CreateSnapshotCommand({
      VolumeId: volumeId,
      Description: `Data of stack ${stackName} before release ${version}`,
      TagSpecifications: [{
        ResourceType: 'snapshot',
        Tags: [{ Key: DATA_VOLUME_TAG_KEYS.stack, Value: stackName }, { Key: DATA_VOLUME_TAG_KEYS.beforeRelease, Value: version }],
      }],
    }));
    return snapshotId!;
  }

  /** The volumes of the account and region (moto makes one for each instance's root device too). */
  public async volumeStates(location: Location): Promise<Record<string, string>> {
    const { Volumes: volumes = [] } = await this.client(EC2Client, location).send(new DescribeVolumesCommand({}));
    return Object.fromEntries(volumes.map((volume) => [volume.VolumeId!, volume.State!]));
  }

  public async parameter(location: Location, name: string, value = 'none'): Promise<void> {
    await this.client(SSMClient, location).send(new PutParameterCommand({ Name: name, Value: value, Type: 'String' }));
  }

  public async logGroup(location: Location, name: string): Promise<void> {
    await this.client(CloudWatchLogsClient, location).send(new CreateLogGroupCommand({ logGroupName: name }));
  }

  /**
   * A stack that CloudFormation created and deleted, with resources of those logical ids (the
   * assembly's, say); returns their physical ids by logical id.
   */
  public async deletedStack(location: Location, stackName: string, resources: Record<string, StackResource>): Promise<Record<string, string>> {
    const cloudFormation = this.client(CloudFormationClient, location);
    // A policy of text, not an object: moto 5.2.5 stores an object as it is, then fails to parse it on DescribeKey.
    const keyPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${location.account}:root` }, Action: 'kms:*', Resource: '*' }] });
    const template = Object.fromEntries(Object.entries(resources).map(([logicalId, resource]) => [logicalId, {
      Type: RESOURCE_TYPES[resource.type],
      DeletionPolicy: resource.deleted ? 'Delete' : 'Retain',
      ...resource.type === 'key' ? { Properties: { KeyPolicy: keyPolicy } } : {},
      ...resource.type === 'volume' ? { Properties: { AvailabilityZone: `${location.region}a`, Size: 20, Encrypted: true } } : {},
    }]));
    const body = JSON.stringify({ Resources: template });
    const { StackId: stackId } = await cloudFormation.send(new CreateStackCommand({ StackName: stackName, TemplateBody: body }));
    const { StackResourceSummaries: created = [] } = await cloudFormation.send(new ListStackResourcesCommand({ StackName: stackName }));
    const physicalIds = Object.fromEntries(created.map((resource) => [resource.LogicalResourceId!, resource.PhysicalResourceId!]));
    for (const [logicalId, resource] of Object.entries(resources)) {
      for (const key of resource.objects ?? []) {
        await this.client(S3Client, location).send(new PutObjectCommand({ Bucket: physicalIds[logicalId], Key: key, Body: key }));
      }
    }
    await cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
    this.deletedResources.set(stackId!, new Map(Object.entries(resources).map(([logicalId, resource]) =>
      [logicalId, { status: resource.deleted ? 'DELETE_COMPLETE' : 'DELETE_SKIPPED', physicalId: physicalIds[logicalId] }])));
    return physicalIds;
  }

  /**
   * Has the clients' ListStackResources answer for a deleted stack as CloudFormation does: moto
   * reports every resource CREATE_COMPLETE; CloudFormation, DELETE_SKIPPED for those it retained and
   * DELETE_COMPLETE for the others. And moto creates a deleted resource again, under a new name,
   * when it lists a deleted stack's resources: CloudFormation names the one it had.
   */
  public prepareClients(clients: AwsClients): void {
    clients.cloudFormation.middlewareStack.add((next: any) => async (args: any) => {
      const result = await next(args);
      const recordedOf = this.deletedResources.get(args.input?.StackName);
      if (recordedOf !== undefined && result.output?.StackResourceSummaries) {
        for (const summary of result.output.StackResourceSummaries) {
          const recorded = recordedOf.get(summary.LogicalResourceId);
          summary.ResourceStatus = recorded?.status ?? 'DELETE_COMPLETE';
          summary.PhysicalResourceId = recorded?.physicalId ?? summary.PhysicalResourceId;
        }
      }
      return result;
    }, { step: 'initialize', name: 'deletedStackStatuses' });
  }

  /** A stack CloudFormation still has. */
  public async deployedStack(location: Location, stackName: string): Promise<void> {
    const template = { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } };
    await this.client(CloudFormationClient, location).send(new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify(template) }));
  }

  public async amiIds(location: Location): Promise<string[]> {
    const { Images: images = [] } = await this.client(EC2Client, location).send(new DescribeImagesCommand({ Owners: ['self'] }));
    return images.map((image) => image.ImageId!).sort();
  }

  /** Which of the snapshots still exist (moto has snapshots of its own, of the public AMIs it serves). */
  public async existingSnapshots(location: Location, snapshotIds: string[]): Promise<string[]> {
    const { Snapshots: snapshots = [] } = await this.client(EC2Client, location).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    return snapshots.map((snapshot) => snapshot.SnapshotId!).filter((id) => snapshotIds.includes(id)).sort();
  }

  public async parameterNames(location: Location): Promise<string[]> {
    const { Parameters: parameters = [] } = await this.client(SSMClient, location).send(new GetParametersByPathCommand({ Path: '/', Recursive: true }));
    return parameters.map((parameter) => parameter.Name!).sort();
  }

  public async bucketNames(location: Location): Promise<string[]> {
    const { Buckets: buckets = [] } = await this.client(S3Client, location).send(new ListBucketsCommand({}));
    return buckets.map((bucket) => bucket.Name!).sort();
  }

  public async logGroupNames(location: Location): Promise<string[]> {
    const { logGroups = [] } = await this.client(CloudWatchLogsClient, location).send(new DescribeLogGroupsCommand({}));
    return logGroups.map((group) => group.logGroupName!).sort();
  }

  public async keyState(location: Location, keyId: string): Promise<string | undefined> {
    return (await this.client(KMSClient, location).send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
  }
}
