import { createHash } from 'crypto';
import { Fn, RemovalPolicy, Tags, Token, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DataVolumeOptions } from '../../data-volume';
import { DATA_VOLUME_TAG_KEYS } from '../shared/data-volume-tags';
import { APPLICATION_TAG_KEY, RELEASE_TAG_KEYS } from '../shared/release-tags';

export interface DataVolumesProps {
  readonly volume: DataVolumeOptions;
  readonly applicationName: string;
  readonly environmentName: string;
  /** Name of the environment's stack, in the volumes' tags. */
  readonly stackName: string;
  /** One volume per slot: the group's maximum capacity. */
  readonly slots: number;
  /** The one Availability Zone of the group's subnets. */
  readonly availabilityZone: string;
}

/**
 * One encrypted EBS volume per slot of the group, resources of the stack rather than of the launch
 * template, so that no release touches them: they are handed from instance to instance. Retained
 * when they leave the stack unless the user says otherwise. A change of a property CloudFormation
 * replaces a volume for (its zone or key) replaces it with an empty one; the retained one keeps the
 * previous generation tag, so that no instance is handed it again.
 */
export class DataVolumes extends Construct {
  public readonly volumes: ec2.CfnVolume[];
  /**
   * Names this deployment's volumes among all of the account and region: the stack's name, unique
   * there, and a hash of the construct's path, as two deployments may share a stack.
   */
  public readonly deploymentId: string;
  /** What the volumes are made with, which changes when CloudFormation replaces them: their zone and key. */
  public readonly generation: string;

  constructor(scope: Construct, id: string, props: DataVolumesProps) {
    super(scope, id);
    const { volume } = props;
    if (Token.isUnresolved(props.stackName)) throw new Error('A deployment with a data volume needs a literal stack name: its volumes are named after it');
    this.deploymentId = `${props.stackName}-data-volume-${createHash('sha256').update(this.node.path).digest('hex').slice(0, 8)}`;
    this.generation = Fn.join('/', [props.availabilityZone, volume.encryptionKey?.keyArn ?? 'aws/ebs']);
    this.volumes = Array.from({ length: props.slots }, (_, index) => {
      const slot = index + 1;
      const resource = new ec2.CfnVolume(this, `Slot${slot}`, {
        availabilityZone: props.availabilityZone,
        size: volume.size.toGibibytes(),
        volumeType: volume.volumeType ?? ec2.EbsDeviceVolumeType.GP3,
        iops: volume.iops,
        throughput: volume.throughput,
        encrypted: true,
        kmsKeyId: volume.encryptionKey?.keyArn,
      });
      resource.applyRemovalPolicy(volume.removalPolicy ?? RemovalPolicy.RETAIN);
      Tags.of(resource).add(RELEASE_TAG_KEYS.environment, props.environmentName);
      Tags.of(resource).add(APPLICATION_TAG_KEY, props.applicationName);
      Tags.of(resource).add(DATA_VOLUME_TAG_KEYS.stack, props.stackName);
      Tags.of(resource).add(DATA_VOLUME_TAG_KEYS.deployment, this.deploymentId);
      Tags.of(resource).add(DATA_VOLUME_TAG_KEYS.generation, this.generation);
      Tags.of(resource).add(DATA_VOLUME_TAG_KEYS.slot, String(slot));
      Tags.of(resource).add('Name', `${props.applicationName}-${props.environmentName}-data-${slot}`);
      return resource;
    });
  }
}
