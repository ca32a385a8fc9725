/**
 * Systems Manager as the taint workflow meets it: moto_server answers everything but
 * `ListCommandInvocations`, which it does not implement; the invocations are those of the command
 * moto recorded, one per instance its targets resolved to (moto resolves `tag:` targets against
 * its EC2 instances).
 */
import { Endpoint, ServiceHandler } from '../aws-api';
import { MotoClients } from './moto-services';

export class RunCommandSimulation {
  private readonly moto: ServiceHandler;

  constructor(private readonly clients: MotoClients) {
    this.moto = clients.handler('ssm');
  }

  /** A Run Command by an operator, straight to moto: the command's id, which CloudTrail's event of it carries. */
  public async send(at: Endpoint, targets: Array<{ Key: string; Values: string[] }>): Promise<string> {
    const { Command } = await this.clients.send('ssm', 'SendCommand', { DocumentName: 'AWS-RunShellScript', Targets: targets, Parameters: { commands: ['uptime'] } }, at);
    return Command.CommandId;
  }

  public handle: ServiceHandler = async (action, request, at) => {
    if (action !== 'listCommandInvocations') return this.moto(action, request, at);
    const { Commands } = await this.clients.send('ssm', 'ListCommands', { CommandId: request.CommandId }, at);
    return {
      CommandInvocations: Commands.flatMap((command: any) => (command.InstanceIds as string[]).map((instanceId) => ({
        CommandId: command.CommandId,
        InstanceId: instanceId,
        DocumentName: command.DocumentName,
        RequestedDateTime: command.RequestedDateTime,
        Status: 'InProgress',
        StatusDetails: 'In Progress',
      }))),
    };
  };
}
