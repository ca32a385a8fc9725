import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSClientConfig } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { Location } from './location';

/** The clients of one account and region. */
export interface AwsClients {
  readonly cloudFormation: CloudFormationClient;
  readonly ec2: EC2Client;
  readonly imageBuilder: ImagebuilderClient;
  readonly kms: KMSClient;
  readonly logs: CloudWatchLogsClient;
  readonly s3: S3Client;
  readonly ssm: SSMClient;
}

export interface AwsAccessOptions {
  /**
   * A role to assume in each account other than the default credentials' own, with the same name
   * in every account (for example AWS Organizations' `OrganizationAccountAccessRole`).
   */
  readonly roleName?: string;
  /** Named profiles (of the shared config and credentials files) by account id; they come first. */
  readonly profiles?: Readonly<Record<string, string>>;
  /** Makes the Image Builder clients; no emulator serves Image Builder, so tests pass a fake. */
  readonly imageBuilder?: (location: Location) => ImagebuilderClient;
  /** Adjusts each location's clients: tests correct what their emulator answers unlike AWS. */
  readonly prepareClients?: (clients: AwsClients, location: Location) => void;
}

/** Credentials as the clients take them; `undefined` is the SDK's default chain. */
type Credentials = STSClientConfig['credentials'];
type Identity = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };

/** Assumed-role credentials are renewed this long before they expire. */
const RENEWAL_MARGIN_MS = 5 * 60 * 1000;
/** What CloudTrail shows as the session of every assumed role. */
const SESSION_NAME = 'cdk-immutable-servers-teardown';

/**
 * Clients for every account and region an assembly names, with credentials from the default chain
 * for the account they belong to, and a named profile or an assumed role for the others. Each
 * account's credentials are checked to sign in to that very account before anything is called.
 */
export class AwsAccess {
  private readonly credentials = new Map<string, Promise<Credentials>>();
  private home?: Promise<{ readonly account: string; readonly partition: string }>;

  constructor(private readonly options: AwsAccessOptions = {}) {}

  /** The clients of a location; fails when no credentials reach its account. */
  public async clients(location: Location): Promise<AwsClients> {
    const config = { region: location.region, credentials: await this.credentialsOf(location) };
    const clients: AwsClients = {
      cloudFormation: new CloudFormationClient(config),
      ec2: new EC2Client(config),
      imageBuilder: this.options.imageBuilder?.(location) ?? new ImagebuilderClient(config),
      kms: new KMSClient(config),
      logs: new CloudWatchLogsClient(config),
      s3: new S3Client(config),
      ssm: new SSMClient(config),
    };
    this.options.prepareClients?.(clients, location);
    return clients;
  }

  private credentialsOf(location: Location): Promise<Credentials> {
    let credentials = this.credentials.get(location.account);
    if (credentials === undefined) {
      credentials = this.resolve(location);
      this.credentials.set(location.account, credentials);
    }
    return credentials;
  }

  private async resolve({ account, region }: Location): Promise<Credentials> {
    const profile = this.options.profiles?.[account];
    if (profile !== undefined) {
      return this.verified(fromIni({ profile }), account, region, `Profile ${profile}`);
    }
    const home = await this.homeIdentity(region);
    if (home.account === account) return undefined;
    if (this.options.roleName === undefined) {
      throw new Error(`No credentials for account ${account}: the default credentials are account ${home.account}'s. `
        + `Pass --role-name <a role in ${account} they may assume> or --profile ${account}=<profile>`);
    }
    const roleArn = `arn:${home.partition}:iam::${account}:role/${this.options.roleName}`;
    const sts = new STSClient({ region });
    return this.verified(renewed(async () => {
      const { Credentials: assumed } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: SESSION_NAME }));
      if (!assumed?.AccessKeyId || !assumed.SecretAccessKey) throw new Error(`AssumeRole of ${roleArn} returned no credentials`);
      return {
        accessKeyId: assumed.AccessKeyId,
        secretAccessKey: assumed.SecretAccessKey,
        sessionToken: assumed.SessionToken,
        expiration: assumed.Expiration,
      };
    }), account, region, `Role ${roleArn}`);
  }

  /** The account and partition of the default credentials. */
  private homeIdentity(region: string): Promise<{ account: string; partition: string }> {
    this.home ??= new STSClient({ region }).send(new GetCallerIdentityCommand({})).then((identity) => ({
      account: identity.Account!,
      partition: identity.Arn!.split(':')[1],
    }));
    return this.home;
  }

  /** Credentials that sign in to the account they are for: nothing is deleted in the wrong one. */
  private async verified(credentials: Credentials, account: string, region: string, source: string): Promise<Credentials> {
    const identity = await new STSClient({ region, credentials }).send(new GetCallerIdentityCommand({}));
    if (identity.Account !== account) {
      throw new Error(`${source} signs in to account ${identity.Account}, not ${account}`);
    }
    return credentials;
  }
}

/**
 * A credentials provider that asks for new credentials only when the last ones are about to expire,
 * so that every client of an account shares one role session, and a long teardown outlives it.
 */
function renewed(obtain: () => Promise<Identity>): () => Promise<Identity> {
  let current: Promise<Identity> | undefined;
  return async () => {
    const identity = await current?.catch(() => undefined);
    if (identity === undefined || (identity.expiration !== undefined && identity.expiration.getTime() - Date.now() < RENEWAL_MARGIN_MS)) {
      current = obtain();
    }
    return current!;
  };
}
