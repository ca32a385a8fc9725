/**
 * EC2 as moto serves it, with `AttachVolume` refused where AWS refuses it and moto 5.2.5 does not:
 * a volume already attached (`VolumeInUse`: moto would move the attachment and leave the first
 * instance's block device mapping behind, so two instances would hold one volume), a volume in
 * another zone than the instance, an instance that is neither running nor stopped, a device name
 * the instance already uses. The refusals are what make `AttachVolume` the fence the data volume
 * handover relies on.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AttachVolume.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 */
import { AwsError, Endpoint, ServiceHandler } from '../aws-api';
import { MotoClients } from './moto-services';

export function withAttachmentRules(moto: MotoClients): ServiceHandler {
  const ec2 = moto.handler('ec2');
  const attaching = new Map<string, Promise<unknown>>();
  return async (action, request, at) => {
    if (action !== 'attachVolume') return ec2(action, request, at);
    const key = `${at.account}/${at.region}`;
    const attach = (attaching.get(key) ?? Promise.resolve()).catch(() => undefined).then(async () => {
      await refuseAttachment(moto, request, at);
      return ec2(action, request, at);
    });
    attaching.set(key, attach);
    return attach;
  };
}

async function refuseAttachment(moto: MotoClients, request: any, at: Endpoint): Promise<void> {
  const refuse = (code: string, message: string) => {
    throw new AwsError('Ec2.Ec2Exception', `${code}: ${message}`);
  };
  const { Volumes: [volume] } = await moto.send('ec2', 'DescribeVolumes', { VolumeIds: [request.VolumeId] }, at);
  const { Reservations } = await moto.send('ec2', 'DescribeInstances', { InstanceIds: [request.InstanceId] }, at);
  const instance = Reservations[0].Instances[0];
  if (volume.State !== 'available' || (volume.Attachments ?? []).length > 0) {
    refuse('VolumeInUse', `${request.VolumeId} is already attached to an instance`);
  }
  if (!['running', 'stopped'].includes(instance.State.Name)) {
    refuse('IncorrectState', `Instance '${request.InstanceId}' is not 'running' or 'stopped'.`);
  }
  if (instance.Placement.AvailabilityZone !== volume.AvailabilityZone) {
    refuse('InvalidVolume.ZoneMismatch', `The volume '${request.VolumeId}' is not in the same availability zone as instance '${request.InstanceId}'`);
  }
  if ((instance.BlockDeviceMappings ?? []).some((mapping: any) => mapping.DeviceName === request.Device)) {
    refuse('InvalidParameterValue', `Invalid value '${request.Device}' for unixDevice. Attachment point ${request.Device} is already in use`);
  }
}
