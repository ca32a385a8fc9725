/**
 * Systems Manager and EC2 as moto_server serves them, called with the AWS SDK for JavaScript v3
 * (so that requests are serialized as AWS would receive them), one client per account and region.
 * Answers are returned as Step Functions returns them (no SDK metadata, timestamps as ISO text),
 * and errors named as Step Functions names them.
 */
import * as ec2 from '@aws-sdk/client-ec2';
import * as ssm from '@aws-sdk/client-ssm';
import { AwsError, Endpoint, ServiceHandler } from '../aws-api';
import { operationName } from '../service-models';

const SDKS = { ssm, ec2 } as const;
type SdkName = keyof typeof SDKS;

/**
 * How Step Functions names a service's errors: `<Service>.<Error>Exception`. EC2's model names no
 * errors, so every EC2 error arrives as `Ec2.Ec2Exception`, its code in the cause.
 */
function stepFunctionsError(service: SdkName, error: Error): AwsError {
  if (service === 'ec2') return new AwsError('Ec2.Ec2Exception', `${error.name}: ${error.message}`);
  const name = error.name.endsWith('Exception') ? error.name : `${error.name}Exception`;
  return new AwsError(`Ssm.${name}`, `Service returned error code ${error.name}: ${error.message}`);
}

/**
 * What moto 5.2.5 answers where AWS cannot: every AMI it registers, copies or creates reports the
 * root device type `standard`, which AWS's model does not have (`ebs` or `instance-store`); EBS is
 * what those AMIs are.
 */
function withoutMotoQuirks(operation: string, output: any): any {
  if (operation === 'DescribeImages') {
    for (const image of output.Images ?? []) {
      if (image.RootDeviceType === 'standard') image.RootDeviceType = 'ebs';
    }
  }
  return output;
}

export class MotoClients {
  private readonly clients = new Map<string, any>();

  constructor(private readonly endpoint: string) {}

  /** The SDK client of a service in an account and region. */
  public client<S extends SdkName>(service: S, at: Endpoint): S extends 'ssm' ? ssm.SSMClient : ec2.EC2Client {
    const key = `${service}/${at.account}/${at.region}`;
    let client = this.clients.get(key);
    if (!client) {
      const Client = service === 'ssm' ? ssm.SSMClient : ec2.EC2Client;
      client = new Client({ region: at.region, endpoint: this.endpoint, credentials: { accessKeyId: 'journey', secretAccessKey: 'journey' }, maxAttempts: 1 });
      // moto keeps each account apart by this header.
      client.middlewareStack.add((next: any) => (args: any) => {
        args.request.headers['x-moto-account-id'] = at.account;
        return next(args);
      }, { step: 'build', name: 'motoAccount' });
      this.clients.set(key, client);
    }
    return client;
  }

  /** Sends one operation by its model name, e.g. `('ssm', 'GetParameters', ...)`, and returns the plain answer. */
  public async send(service: SdkName, operation: string, input: unknown, at: Endpoint): Promise<any> {
    const Command = (SDKS[service] as Record<string, any>)[`${operation}Command`];
    if (!Command) throw new Error(`The AWS SDK has no ${service} ${operation}`);
    try {
      const client: { send(command: unknown): Promise<any> } = this.client(service, at);
      const { $metadata: _metadata, ...output } = await client.send(new Command(input));
      return withoutMotoQuirks(operation, JSON.parse(JSON.stringify(output)));
    } catch (error) {
      if ((error as any).$metadata === undefined) throw error;
      throw stepFunctionsError(service, error as Error);
    }
  }

  public destroy(): void {
    this.clients.forEach((client) => client.destroy());
  }

  /** A service handler that answers every action of a service from moto. */
  public handler(service: SdkName): ServiceHandler {
    return (action, request, at) => this.send(service, operationName(action), request, at);
  }
}
