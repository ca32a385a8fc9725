import { aws_events as events } from 'aws-cdk-lib';

/**
 * A call that gets someone into an instance, as CloudTrail records it: by the service that
 * received it (`eventSource`) and the API (`eventName`). The fields of a record (`requestParameters`,
 * `responseElements`, `errorCode`, `eventID`) are CloudTrail's.
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */
export interface AccessEvent {
  readonly eventSource: string;
  readonly eventName: string;
}

/**
 * A Session Manager session, of any session document: a shell, a command, port forwarding (also to
 * a remote host through the instance). The instance is `requestParameters.target`, the document
 * `requestParameters.documentName`; a session without a document is a shell.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StartSession.html
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-cloudtrail-logs.html
 */
export const START_SESSION: AccessEvent = { eventSource: 'ssm.amazonaws.com', eventName: 'StartSession' };

/**
 * A Run Command. The instances are `requestParameters.instanceIds` when the caller named them, or
 * known only once Systems Manager resolves `requestParameters.targets` (instance ids, tags, resource
 * groups): then they are the command invocations of `responseElements.command.commandId`.
 * Automation's `aws:runCommand` steps and maintenance window Run Command tasks send commands with
 * the same parameters, as the runbook's or the window's role, and are recorded the same way.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/send-commands-multiple.html
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-runcommand.html
 */
export const SEND_COMMAND: AccessEvent = { eventSource: 'ssm.amazonaws.com', eventName: 'SendCommand' };

/**
 * EC2 Instance Connect pushing an SSH key for 60 seconds, also as the first step of a connection
 * through an EC2 Instance Connect Endpoint. The instance is `requestParameters.instanceId`.
 *
 * @see https://docs.aws.amazon.com/ec2-instance-connect/latest/APIReference/API_SendSSHPublicKey.html
 */
export const SEND_SSH_PUBLIC_KEY: AccessEvent = { eventSource: 'ec2-instance-connect.amazonaws.com', eventName: 'SendSSHPublicKey' };

/**
 * An SSH key for the EC2 serial console, which reaches the instance's console without its network.
 * The instance is `requestParameters.instanceId`.
 *
 * @see https://docs.aws.amazon.com/ec2-instance-connect/latest/APIReference/API_SendSerialConsoleSSHPublicKey.html
 */
export const SEND_SERIAL_CONSOLE_SSH_PUBLIC_KEY: AccessEvent = {
  eventSource: 'ec2-instance-connect.amazonaws.com', eventName: 'SendSerialConsoleSSHPublicKey',
};

/**
 * A TCP tunnel through an EC2 Instance Connect Endpoint (SSH, RDP or any port). The event names no
 * instance: only `requestParameters.instanceConnectEndpointId`, `privateIpAddress` and
 * `remotePort`. The instance is the one with that address in the endpoint's VPC.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/log-ec2-instance-connect-endpoint-using-cloudtrail.html
 */
export const OPEN_TUNNEL: AccessEvent = { eventSource: 'ec2-instance-connect.amazonaws.com', eventName: 'OpenTunnel' };

/** Every way into an instance the taint workflow knows. */
export const ACCESS_EVENTS: readonly AccessEvent[] = [
  START_SESSION, SEND_COMMAND, SEND_SSH_PUBLIC_KEY, SEND_SERIAL_CONSOLE_SSH_PUBLIC_KEY, OPEN_TUNNEL,
];

/**
 * The EventBridge pattern of successful calls among `ACCESS_EVENTS`. A denied call is recorded too,
 * with an `errorCode`: it must not taint, or anyone could have the fleet replaced. Only AWS may
 * send events whose source starts with `aws.` (`PutEvents` refuses it), so the events cannot be
 * forged; the prefix spares naming each service's source.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html
 */
export function accessEventPattern(): events.EventPattern {
  const sources = [...new Set(ACCESS_EVENTS.map((event) => event.eventSource))];
  return {
    source: events.Match.prefix('aws.'),
    detailType: ['AWS API Call via CloudTrail'],
    detail: {
      $or: sources.map((eventSource) => ({
        eventSource: [eventSource],
        eventName: ACCESS_EVENTS.filter((event) => event.eventSource === eventSource).map((event) => event.eventName),
      })),
      errorCode: events.Match.doesNotExist(),
    },
  };
}
