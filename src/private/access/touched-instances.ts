import { Duration, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AccessEvent, OPEN_TUNNEL, SEND_COMMAND, SEND_SERIAL_CONSOLE_SSH_PUBLIC_KEY, SEND_SSH_PUBLIC_KEY, START_SESSION } from './access-events';
import { sdkCall } from '../shared/sdk-call';

const REQUEST = '$.detail.requestParameters';
const COMMAND_ID = '$.detail.responseElements.command.commandId';

/**
 * How long Systems Manager gets to resolve a command's targets into invocations, which
 * `ListCommandInvocations` lists only some moments after `SendCommand` returns: six looks, ten
 * seconds apart. A command whose targets resolve to no instance has no invocation at all.
 */
const INVOCATION_LOOKS = 6;
const INVOCATION_INTERVAL = Duration.seconds(10);

/**
 * Invocation statuses of a command that never ran on the instance: Systems Manager refused the
 * caller the instance (which an SCP or a tag condition on `ssm:SendCommand` does per instance for
 * commands sent to targets), could not deliver it, or did not send it. They do not taint, so that
 * someone whom IAM refuses the instances cannot have them replaced. Every other status, pending
 * included, may reach the instance and taints it.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CommandInvocation.html
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html
 */
const UNREACHED_INVOCATION_STATUSES = ['Access Denied', 'Undeliverable', 'Terminated', 'Delivery Timed Out', 'Invalid Platform'];

/** The most invocations `ListCommandInvocations` returns at once, and the most instance ids `DescribeAutoScalingInstances` takes. */
const PAGE_SIZE = 50;

/**
 * The states that find the EC2 instances an access event touched. Each way ends in a state that
 * sets `$.candidates` to the EC2 instance ids among them (sessions and commands also reach managed
 * nodes outside EC2, `mi-…`, which no Auto Scaling group has) and goes on to `next`. A command
 * with more invocations than one page comes back through `nextPage`, once per page.
 */
export class TouchedInstances {
  private readonly commandPage: sfn.IChainable;

  constructor(private readonly scope: Construct, private readonly next: sfn.IChainable) {
    const unreached = JSON.stringify(UNREACHED_INVOCATION_STATUSES);
    this.commandPage = this.candidates('CommandPage', 'The instances of this page of the command\'s invocations that may have reached them',
      `$states.input.page.CommandInvocations[$not(StatusDetails in ${unreached})].InstanceId`);
  }

  /** A branch for each access event; an event no branch knows fails the execution, as the rule and this workflow then disagree. */
  public chain(): sfn.IChainable {
    return new sfn.Choice(this.scope, 'WhichAccess?')
      .when(isEvent(START_SESSION), this.candidates('SessionTarget', 'The instance of the session', `${jsonata(REQUEST)}.target`))
      .when(sfn.Condition.and(isEvent(SEND_COMMAND), sfn.Condition.isPresent(`${REQUEST}.instanceIds[0]`)),
        this.candidates('CommandInstanceIds', 'The instances the command names', `${jsonata(REQUEST)}.instanceIds`))
      .when(isEvent(SEND_COMMAND), this.commandInvocations())
      .when(sfn.Condition.or(isEvent(SEND_SSH_PUBLIC_KEY), isEvent(SEND_SERIAL_CONSOLE_SSH_PUBLIC_KEY)),
        this.candidates('KeyTarget', 'The instance the SSH key was pushed to', `${jsonata(REQUEST)}.instanceId`))
      .when(isEvent(OPEN_TUNNEL), this.tunnelTarget())
      .otherwise(new sfn.Fail(this.scope, 'UnknownAccessEvent', {
        error: 'UnknownAccessEvent',
        cause: 'The event is not one of the access events this workflow knows; its EventBridge rule and its definition disagree',
      }));
  }

  /** After a page of candidates: the command's next page of invocations, if it has one, or `otherwise`. */
  public nextPage(otherwise: sfn.IChainable): sfn.IChainable {
    const listMore = sdkCall(this.scope, 'ListMoreInvocations', {
      service: 'ssm',
      action: 'listCommandInvocations',
      parameters: { CommandId: sfn.JsonPath.stringAt(COMMAND_ID), MaxResults: PAGE_SIZE, NextToken: sfn.JsonPath.stringAt('$.page.NextToken') },
      resultPath: '$.page',
    });
    return new sfn.Choice(this.scope, 'MoreInvocations?')
      .when(sfn.Condition.isPresent('$.page.NextToken'), listMore.next(this.commandPage))
      .otherwise(otherwise);
  }

  /** A command sent to targets: its invocations, once Systems Manager has resolved them. */
  private commandInvocations(): sfn.IChainable {
    const list = sdkCall(this.scope, 'ListInvocations', {
      service: 'ssm',
      action: 'listCommandInvocations',
      parameters: { CommandId: sfn.JsonPath.stringAt(COMMAND_ID), MaxResults: PAGE_SIZE },
      resultPath: '$.page',
    });
    const lookAgain = new sfn.Wait(this.scope, 'WaitForInvocations', { time: sfn.WaitTime.duration(INVOCATION_INTERVAL) })
      .next(new sfn.Pass(this.scope, 'CountLook', { parameters: { 'count.$': 'States.MathAdd($.looks.count, 1)' }, resultPath: '$.looks' }))
      .next(list);
    list.next(new sfn.Choice(this.scope, 'InvocationsListed?')
      .when(sfn.Condition.isPresent('$.page.CommandInvocations[0]'), this.commandPage)
      .when(sfn.Condition.numberLessThan('$.looks.count', INVOCATION_LOOKS), lookAgain)
      .otherwise(new sfn.Succeed(this.scope, 'NoInvocation', { comment: 'The command reached no instance: its targets resolved to none' })));
    return new sfn.Pass(this.scope, 'FirstLook', { result: sfn.Result.fromObject({ count: 1 }), resultPath: '$.looks' }).next(list);
  }

  /** A tunnel names a private address: the instances that have it in the endpoint's VPC. */
  private tunnelTarget(): sfn.IChainable {
    const endpoint = sdkCall(this.scope, 'DescribeEndpoint', {
      service: 'ec2',
      action: 'describeInstanceConnectEndpoints',
      parameters: { InstanceConnectEndpointIds: sfn.JsonPath.array(sfn.JsonPath.stringAt(`${REQUEST}.instanceConnectEndpointId`)) },
      resultSelector: { 'vpcId.$': '$.InstanceConnectEndpoints[0].VpcId' },
      resultPath: '$.endpoint',
    });
    const atAddress = sdkCall(this.scope, 'DescribeTunnelTarget', {
      service: 'ec2',
      action: 'describeInstances',
      parameters: {
        Filters: [
          { Name: 'vpc-id', Values: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.endpoint.vpcId')) },
          { Name: 'network-interface.addresses.private-ip-address', Values: sfn.JsonPath.array(sfn.JsonPath.stringAt(`${REQUEST}.privateIpAddress`)) },
        ],
      },
      resultSelector: { 'reservations.$': '$.Reservations' },
      resultPath: '$.tunnel',
    });
    return endpoint.next(atAddress).next(this.candidates('TunnelTarget', 'The instance with the tunnel\'s address in the endpoint\'s VPC',
      '$states.input.tunnel.reservations.Instances.InstanceId'));
  }

  /**
   * A JSONata state (JSONPath cannot filter strings by their beginning): `$.candidates`, the EC2
   * instance ids among those `instanceIds` (a JSONata expression of one id or a list) evaluates to.
   */
  private candidates(id: string, comment: string, instanceIds: string): sfn.IChainable {
    return sfn.Pass.jsonata(this.scope, id, {
      comment,
      outputs: `{% $merge([$states.input, {"candidates": [(${instanceIds})[$substring($, 0, 2) = "i-"]]}]) %}`,
    }).next(this.next);
  }
}

function isEvent(event: AccessEvent): sfn.Condition {
  return sfn.Condition.and(
    sfn.Condition.stringEquals('$.detail.eventSource', event.eventSource),
    sfn.Condition.stringEquals('$.detail.eventName', event.eventName));
}

/** A JSONPath of the state input as JSONata reads it. */
function jsonata(path: string): string {
  return path.replace(/^\$/, '$states.input');
}
