/**
 * CloudTrail records of the calls that get someone into an instance, as EventBridge delivers them
 * (`AWS API Call via CloudTrail`), for the taint workflow's tests and the journeys. Each record
 * follows the example AWS documents where there is one (OpenTunnel), otherwise the API's request
 * and response as CloudTrail writes them: members with a lower-case first letter, a `Command`
 * response under `responseElements.command`, session tokens hidden. A denied call carries an
 * `errorCode` and no response.
 *
 * The EventBridge `source` is `aws.` and the service's name; AWS documents it for Systems Manager
 * (`aws.ssm`), and the rule matches the `aws.` prefix only, which custom events cannot have.
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 */

export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';

export interface CallOptions {
  /** Set on a call that was refused, e.g. `AccessDenied`: CloudTrail records it with no response. */
  readonly errorCode?: string;
  /** CloudTrail's id of the record. */
  readonly eventId?: string;
  readonly account?: string;
  readonly region?: string;
}

export const EVENT_ID = '6a7e8feb-b491-4cf7-a9f1-bf3703467718';

/**
 * A Session Manager session. `documentName` is absent for a plain shell, as the CLI sends none.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StartSession.html
 */
export function startSessionEvent(target: string, options: CallOptions & { documentName?: string; parameters?: Record<string, string[]> } = {}) {
  const sessionId = 'operator-0a1b2c3d4e5f67890';
  return cloudTrailEvent('aws.ssm', 'ssm.amazonaws.com', 'StartSession', {
    target,
    ...options.documentName ? { documentName: options.documentName } : {},
    ...options.parameters ? { parameters: options.parameters } : {},
  }, {
    sessionId,
    tokenValue: 'Value hidden due to security reasons.',
    streamUrl: `wss://ssmmessages.${options.region ?? REGION}.amazonaws.com/v1/data-channel/${sessionId}?role=publish_subscribe`,
  }, options);
}

export const COMMAND_ID = 'f49a1fe5-d12b-4ac0-98bc-0e4bd83d70c0';

/**
 * A Run Command, to the instances it names or to targets (`{ key: 'tag:Name', values: [...] }`,
 * `{ key: 'InstanceIds', values: [...] }`, `{ key: 'resource-groups:Name', values: [...] }`). The
 * response repeats the named instances; for targets it has none, only the command id.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Command.html
 */
export function sendCommandEvent(to: { instanceIds: string[] } | { targets: Array<{ key: string; values: string[] }> },
  options: CallOptions & { commandId?: string } = {}) {
  const instanceIds = 'instanceIds' in to ? to.instanceIds : [];
  const targets = 'targets' in to ? to.targets : [];
  return cloudTrailEvent('aws.ssm', 'ssm.amazonaws.com', 'SendCommand', {
    ...'instanceIds' in to ? { instanceIds } : { targets },
    documentName: 'AWS-RunShellScript',
    interactive: false,
    parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS',
  }, {
    command: {
      commandId: options.commandId ?? COMMAND_ID,
      documentName: 'AWS-RunShellScript',
      documentVersion: '$DEFAULT',
      instanceIds,
      targets,
      maxConcurrency: '50',
      maxErrors: '0',
      parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS',
      status: 'Pending',
      statusDetails: 'Pending',
      targetCount: instanceIds.length,
      timeoutSeconds: 3600,
    },
  }, options);
}

/**
 * EC2 Instance Connect pushing a key for SSH.
 *
 * @see https://docs.aws.amazon.com/ec2-instance-connect/latest/APIReference/API_SendSSHPublicKey.html
 */
export function sendSshPublicKeyEvent(instanceId: string, options: CallOptions = {}) {
  return cloudTrailEvent('aws.ec2-instance-connect', 'ec2-instance-connect.amazonaws.com', 'SendSSHPublicKey', {
    instanceId,
    instanceOSUser: 'ec2-user',
    sSHPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu',
  }, { requestId: EVENT_ID, success: true }, options);
}

/**
 * EC2 Instance Connect pushing a key for the serial console.
 *
 * @see https://docs.aws.amazon.com/ec2-instance-connect/latest/APIReference/API_SendSerialConsoleSSHPublicKey.html
 */
export function sendSerialConsoleSshPublicKeyEvent(instanceId: string, options: CallOptions = {}) {
  return cloudTrailEvent('aws.ec2-instance-connect', 'ec2-instance-connect.amazonaws.com', 'SendSerialConsoleSSHPublicKey', {
    instanceId,
    serialPort: 0,
    sSHPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu',
  }, { requestId: EVENT_ID, success: true }, options);
}

/**
 * A tunnel through an EC2 Instance Connect Endpoint, as the EC2 User Guide's example records it:
 * the endpoint and a private address, no instance, no response.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/log-ec2-instance-connect-endpoint-using-cloudtrail.html
 */
export function openTunnelEvent(instanceConnectEndpointId: string, privateIpAddress: string, options: CallOptions & { remotePort?: string } = {}) {
  return cloudTrailEvent('aws.ec2-instance-connect', 'ec2-instance-connect.amazonaws.com', 'OpenTunnel', {
    instanceConnectEndpointId,
    maxTunnelDuration: '3600',
    remotePort: options.remotePort ?? '22',
    privateIpAddress,
  }, null, options);
}

function cloudTrailEvent(source: string, eventSource: string, eventName: string, requestParameters: Record<string, unknown>,
  responseElements: Record<string, unknown> | null, options: CallOptions) {
  const account = options.account ?? ACCOUNT;
  const region = options.region ?? REGION;
  return {
    'version': '0',
    'id': '0f6a3ab8-2a05-4a2a-9b0b-5a1e5e1f1d5c',
    'detail-type': 'AWS API Call via CloudTrail',
    source,
    account,
    'time': '2026-12-01T12:00:00Z',
    region,
    'resources': [],
    'detail': {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEID:operator',
        arn: `arn:aws:sts::${account}:assumed-role/Operators/operator`,
        accountId: account,
      },
      eventTime: '2026-12-01T12:00:00Z',
      eventSource,
      eventName,
      awsRegion: region,
      sourceIPAddress: '198.51.100.7',
      userAgent: 'aws-cli/2.22.0',
      ...options.errorCode ? { errorCode: options.errorCode, errorMessage: `User is not authorized to perform: ${eventSource.split('.')[0]}:${eventName}` } : {},
      requestParameters,
      responseElements: options.errorCode ? null : responseElements,
      requestID: 'c41499e3-c04c-48e7-9da9-ef63d0868553',
      eventID: options.eventId ?? EVENT_ID,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: 'Management',
    },
  };
}
