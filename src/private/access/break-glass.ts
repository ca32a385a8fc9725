import {
  Aws, ArnFormat, Duration, Stack, Token,
  aws_autoscaling as autoscaling, aws_iam as iam, aws_kms as kms, aws_logs as logs, aws_ssm as ssm,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { instanceArns } from './taint-on-access';
import { acknowledgeNagFinding, nagResourceReference } from '../nag/nag-acknowledgement';
import { stackScopedLogGroupName } from '../shared/state-machine-logging';

export interface BreakGlassAccessProps {
  /** The environment's group: sessions are allowed on its instances only. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /** The role of the group's instances; it is granted what Session Manager needs to log sessions. */
  readonly instanceRole: iam.IRole;
  /** Who may assume the break-glass role, with MFA. At least one. */
  readonly principals: iam.IPrincipal[];
  /** Name of the environment, for descriptions, e.g. `prod`. 1 to 64 printable ASCII characters. */
  readonly environmentName: string;
  /**
   * How long session logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly sessionLogRetention?: logs.RetentionDays;
}

/**
 * Audited terminal access to one environment's instances (DESIGN.md, decision 9).
 *
 * Named principals assume `role` with MFA; it may start Session Manager sessions only on this
 * group's instances and only with this construct's session document, which streams every session
 * to a log group encrypted with a customer-managed key. Replacing the instances a session touched
 * is not this construct's job: `TaintOnAccess` does it for every deployment, after any way in,
 * whoever took it.
 */
export class BreakGlassAccess extends Construct {
  /** The role operators assume, with MFA, to start sessions. */
  public readonly role: iam.IRole;
  /** Name of the Session document that sessions must use (`--document-name`). */
  public readonly sessionDocumentName: string;
  /** The encrypted log group every session streams to. */
  public readonly sessionLogGroup: logs.ILogGroup;
  /**
   * How to start a session with `role`'s credentials, for docs and stack outputs; replace
   * `<instance-id>` with one of the group's instances.
   */
  public readonly startSessionCommand: string;

  constructor(scope: Construct, id: string, props: BreakGlassAccessProps) {
    super(scope, id);
    validateProps(props);

    const sessionLogs = this.createSessionLogs(props);
    this.sessionLogGroup = sessionLogs.logGroup;
    grantSessionLogging(this, props.instanceRole, sessionLogs);

    // Session document schema: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-schema.html
    // No name: CloudFormation generates one, and replaces the document under a new name when it changes.
    const document = new ssm.CfnDocument(this, 'SessionDocument', {
      documentType: 'Session',
      documentFormat: 'JSON',
      content: {
        schemaVersion: '1.0',
        description: `Break-glass sessions on ${props.environmentName} instances, streamed to an encrypted log group`,
        sessionType: 'Standard_Stream',
        inputs: {
          s3BucketName: '',
          s3EncryptionEnabled: true,
          cloudWatchLogGroupName: sessionLogs.logGroup.logGroupName,
          // The agent refuses to log to the group unless it is encrypted, and streams as the
          // session runs, so a session cut short by the instance's termination is logged too.
          cloudWatchEncryptionEnabled: true,
          cloudWatchStreamingEnabled: true,
          runAsEnabled: false,
          // Minutes; a session lasts no longer than the role's credentials. Session preferences:
          // https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-preferences-cli.html
          idleSessionTimeout: '20',
          maxSessionDuration: '60',
        },
      },
    });
    this.sessionDocumentName = document.ref;

    this.role = this.createRole(props, document.ref);
    this.startSessionCommand = `aws ssm start-session --region ${Stack.of(this).region} --target <instance-id> --document-name ${document.ref}`;
  }

  /**
   * A rotating customer-managed key and the log group it encrypts. The key policy lets CloudWatch
   * Logs in this region use the key for this log group only.
   *
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
   */
  private createSessionLogs(props: BreakGlassAccessProps): SessionLogs {
    const logGroupName = stackScopedLogGroupName(this, '/immutable-servers/break-glass/');
    const logGroupArn = Stack.of(this).formatArn({
      service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const key = new kms.Key(this, 'SessionLogKey', {
      description: `Encrypts the break-glass session logs of ${props.environmentName}`,
      enableKeyRotation: true,
    });
    // The documented statement, with its action wildcards spelled out (DESIGN.md, decision 9).
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.${Aws.URL_SUFFIX}`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn } },
    }));
    const logGroup = new logs.LogGroup(this, 'SessionLogs', {
      logGroupName,
      encryptionKey: key,
      retention: props.sessionLogRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    return { key, logGroup, logGroupArn };
  }

  /**
   * The break-glass role. Condition keys and session ARNs follow Session Manager's samples.
   *
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-quickstart.html
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-sessiondocumentaccesscheck.html
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-examples.html
   */
  private createRole(props: BreakGlassAccessProps, documentName: string): iam.Role {
    // `Bool`, not `BoolIfExists`: long-term access keys carry no aws:MultiFactorAuthPresent at
    // all, and a missing key must deny, not allow.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html
    const withMfa = props.principals.map((principal) => new iam.PrincipalWithConditions(principal, {
      Bool: { 'aws:MultiFactorAuthPresent': 'true' },
    }));
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.CompositePrincipal(...withMfa),
      maxSessionDuration: Duration.hours(1),
      description: `Break-glass Session Manager access to ${props.environmentName} instances; each instance touched is replaced`,
    });
    // With SessionDocumentAccessCheck, sessions need a document the role is granted explicitly,
    // so the default SSM-SessionManagerRunShell (whose logging this stack does not control) is out.
    // BoolIfExists is the form AWS documents for this key; MFA, which must fail closed, is
    // enforced by the trust policy.
    const documentCheck = { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } };
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:StartSession'],
      resources: [instanceArns(this)],
      conditions: { StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': props.autoScalingGroup.autoScalingGroupName }, ...documentCheck },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:StartSession'],
      resources: [Stack.of(this).formatArn({ service: 'ssm', resource: 'document', resourceName: documentName })],
      conditions: documentCheck,
    }));
    // Sessions of an assumed role are named after the role session, not `${aws:userid}`, so the
    // `session/${aws:userid}-*` ARN pattern matches none of them. Session Manager tags each session
    // aws:ssmmessages:session-id = `<role id>:<role session name>`, which is `${aws:userid}`:
    // operators end and resume the sessions they started only (the documented AssumedRole form).
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:TerminateSession', 'ssm:ResumeSession'],
      resources: [Stack.of(this).formatArn({ service: 'ssm', resource: 'session', resourceName: '*' })],
      conditions: { StringLike: { 'ssm:resourceTag/aws:ssmmessages:session-id': '${aws:userid}' } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ssm:DescribeSessions', 'ssm:GetConnectionStatus', 'ssm:DescribeInstanceProperties', 'ec2:DescribeInstances'],
      resources: ['*'],
    }));
    acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(this, instanceArns(this))}]`,
      'StartSession is limited by condition to instances tagged aws:autoscaling:groupName with this group, and to this stack\'s session document');
    acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(this, Stack.of(this).formatArn({ service: 'ssm', resource: 'session', resourceName: '*' }))}]`,
      'Session ids are generated by Session Manager; the aws:ssmmessages:session-id tag condition limits the role to sessions it started itself');
    acknowledgeNagFinding(role, 'AwsSolutions-IAM5[Resource::*]',
      'DescribeSessions, GetConnectionStatus, DescribeInstanceProperties and DescribeInstances are read-only and support no resource-level permissions');
    return role;
  }
}

interface SessionLogs {
  readonly key: kms.IKey;
  readonly logGroup: logs.ILogGroup;
  /** ARN of the log group as CloudWatch Logs puts it in the encryption context (no `:*`). */
  readonly logGroupArn: string;
}

/**
 * What the instances need to stream sessions to the encrypted log group: write and describe
 * (the agent checks that the group is encrypted), and the key through CloudWatch Logs, which now
 * uses it on the caller's behalf.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html
 * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudWatchLogsAPIKeyAccess.html
 */
function grantSessionLogging(scope: Construct, instanceRole: iam.IRole, sessionLogs: SessionLogs): void {
  const viaLogs = { StringEquals: { 'kms:ViaService': `logs.${Aws.REGION}.${Aws.URL_SUFFIX}` } };
  const allLogGroups = Stack.of(scope).formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const policy = new iam.Policy(scope, 'InstanceSessionLogging', {
    roles: [instanceRole],
    statements: [
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [sessionLogs.logGroup.logGroupArn],
      }),
      new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: [allLogGroups] }),
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [sessionLogs.key.keyArn],
        conditions: { ...viaLogs, ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': sessionLogs.logGroupArn } },
      }),
      new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: [sessionLogs.key.keyArn], conditions: viaLogs }),
    ],
  });
  acknowledgeNagFinding(policy, `AwsSolutions-IAM5[Resource::${nagResourceReference(scope, allLogGroups)}]`,
    'DescribeLogGroups lists log groups by prefix and cannot name one; Session Manager calls it to check that the session log group is encrypted');
}

function validateProps(props: BreakGlassAccessProps): void {
  if (props.principals.length === 0) {
    throw new Error('principals must name at least one principal who may assume the break-glass role, got []');
  }
  if (!Token.isUnresolved(props.environmentName) && !/^[\x20-\x7E]{1,64}$/.test(props.environmentName)) {
    throw new Error(`environmentName must be 1 to 64 printable ASCII characters, got '${props.environmentName}'`);
  }
}
