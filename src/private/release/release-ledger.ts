import {
  CfnCondition, CfnParameter, Fn, Stack, aws_ec2 as ec2, aws_iam as iam, custom_resources as cr,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ImageOperatingSystem } from '../../base-image';
import { acknowledgeNagFinding } from '../nag/nag-acknowledgement';

/** The ledger's value before the first release: no version, no commit. */
export const NO_RELEASE = 'none';

/**
 * The public parameter whose AMI the ledger names before the first release. The environment's
 * parameter type accepts only an AMI id, so a real one stands in; no instance launches from it, as
 * the group has no capacity until the first release. It is of the environment's operating system
 * and architecture, so that the launch template is one its instances could run.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-public-parameters-ami.html
 */
export function placeholderAmiParameter(operatingSystem: ImageOperatingSystem, architecture: ec2.InstanceArchitecture | undefined): string {
  if (operatingSystem === ImageOperatingSystem.WINDOWS) {
    return '/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base';
  }
  const suffix = architecture === ec2.InstanceArchitecture.ARM_64 ? 'arm64' : 'x86_64';
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${suffix}`;
}

/** The instance type a release ran its AMI on, and that AMI's processor architecture. */
export interface ReleasedInstanceType {
  readonly instanceType: string;
  readonly architecture: ec2.InstanceArchitecture;
}

/** What an environment's ledger starts from: the names of its parameters and its placeholder AMI. */
export interface ReleaseLedgerProps {
  readonly names: LedgerParameterNames;
  /** The public parameter of the placeholder AMI (`placeholderAmiParameter`). */
  readonly placeholderAmiParameter: string;
  /**
   * What the ledger records before the first release it sees: the deployment's instance type
   * and architecture, those of the placeholder, or of the release already running when an
   * environment of an earlier version of this library first deploys these parameters.
   *
   * @default - the deployment's instance type is a token: the ledger records none
   */
  readonly instanceType?: ReleasedInstanceType;
}

/** The parameters of one environment's ledger, under its prefix. */
export interface LedgerParameterNames {
  readonly ami: string;
  readonly version: string;
  readonly commitId: string;
  readonly commitMessage: string;
  readonly pipelineExecutionId: string;
  readonly contentHash: string;
  readonly fingerprint: string;
  /** The instance type the release ran on; absent when the deployment's instance type is a token. */
  readonly instanceType?: string;
  /** The processor architecture of the release's AMI; present with `instanceType`. */
  readonly architecture?: string;
}

/**
 * The ledger's parameters under `prefix`; with `recordsInstanceType`, also the instance type and
 * architecture each release ran, which let an environment move to another architecture.
 */
export function ledgerParameterNames(prefix: string, recordsInstanceType: boolean): LedgerParameterNames {
  return {
    ...recordsInstanceType ? { instanceType: `${prefix}/instance-type`, architecture: `${prefix}/architecture` } : {},
    ami: `${prefix}/ami`,
    version: `${prefix}/version`,
    commitId: `${prefix}/commit-id`,
    commitMessage: `${prefix}/commit-message`,
    pipelineExecutionId: `${prefix}/pipeline-execution-id`,
    contentHash: `${prefix}/content-hash`,
    fingerprint: `${prefix}/fingerprint`,
  };
}

/**
 * Creates each ledger parameter once, if it does not exist yet, and never changes or deletes it:
 * after that only releases write the ledger, and its history is the audit trail. A CloudFormation
 * `AWS::SSM::Parameter` would put its template value back whenever its properties changed,
 * reverting the release; this resource has no update and no delete.
 */
export class ReleaseLedger extends Construct {
  constructor(scope: Construct, id: string, props: ReleaseLedgerProps) {
    super(scope, id);
    const names = props.names;
    // Resolved by CloudFormation as a stack parameter, which custom resource properties are not
    // documented to be for dynamic references.
    const placeholderAmi = new CfnParameter(this, 'PlaceholderAmi', {
      type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      default: props.placeholderAmiParameter,
      description: 'The AMI the ledger names until the first release; no instance runs it',
    }).valueAsString;
    const initialValues: Array<[string, string]> = [
      [names.ami, placeholderAmi],
      [names.version, NO_RELEASE],
      [names.commitId, NO_RELEASE],
      [names.commitMessage, NO_RELEASE],
      [names.pipelineExecutionId, NO_RELEASE],
      [names.contentHash, NO_RELEASE],
      [names.fingerprint, NO_RELEASE],
      ...recordedInstanceType(names, props.instanceType),
    ];
    const stack = Stack.of(this);
    const parameterArns = initialValues.map(([name]) => stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') }));
    const policy = cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: parameterArns }),
    ]);
    initialValues.forEach(([name, value], index) => {
      new cr.AwsCustomResource(this, `Parameter${index}`, {
        onCreate: {
          service: 'SSM',
          action: 'putParameter',
          // Data type text, not aws:ec2:image: Systems Manager validates aws:ec2:image values after
          // PutParameter returns and drops invalid ones, so a stack (or a release) could resolve the
          // parameter before it exists. The environment's parameter type checks that it is an AMI id.
          parameters: { Name: name, Value: value, Type: 'String', DataType: 'text', Overwrite: false, Description: 'Release ledger: written by releases only' },
          physicalResourceId: cr.PhysicalResourceId.of(name),
          // The environment existed before (its ledger stack was replaced): keep what it runs.
          ignoreErrorCodesMatching: 'ParameterAlreadyExists',
        },
        policy,
        installLatestAwsSdk: false,
      });
    });
  }
}

function recordedInstanceType(names: LedgerParameterNames, initial: ReleasedInstanceType | undefined): Array<[string, string]> {
  if (names.instanceType === undefined || names.architecture === undefined || initial === undefined) return [];
  return [[names.instanceType, initial.instanceType], [names.architecture, initial.architecture]];
}

/**
 * The ledger as an environment stack reads it: CloudFormation parameters of SSM parameter types
 * whose defaults name the ledger, so every deploy path resolves the current release.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/systems-manager-parameter-types.html
 */
export class LedgerReference extends Construct {
  public readonly amiId: string;
  public readonly version: string;
  public readonly commitId: string;
  public readonly commitMessage: string;
  public readonly pipelineExecutionId: string;
  public readonly contentHash: string;
  public readonly fingerprint: string;
  /** True once a release has written the ledger. */
  public readonly hasRelease: CfnCondition;
  private readonly names: LedgerParameterNames;

  constructor(scope: Construct, id: string, names: LedgerParameterNames) {
    super(scope, id);
    this.names = names;
    this.amiId = new CfnParameter(this, 'Ami', {
      type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      default: names.ami,
      description: `Release ledger parameter ${names.ami}: the AMI the environment runs; leave the default`,
    }).valueAsString;
    this.version = this.textParameter('Version', names.version);
    this.commitId = this.textParameter('CommitId', names.commitId);
    this.commitMessage = this.textParameter('CommitMessage', names.commitMessage);
    this.pipelineExecutionId = this.textParameter('PipelineExecutionId', names.pipelineExecutionId);
    this.contentHash = this.textParameter('ContentHash', names.contentHash);
    this.fingerprint = this.textParameter('Fingerprint', names.fingerprint);
    this.hasRelease = new CfnCondition(this, 'HasRelease', { expression: Fn.conditionNot(Fn.conditionEquals(this.version, NO_RELEASE)) });
  }

  /**
   * The instance type the group launches: the deployment's own while the ledger's AMI is of its
   * architecture; otherwise the one the ledger's release ran on. A deploy that moves the
   * deployment to an instance type of another architecture so keeps the instances as they are,
   * and the next release, which writes an AMI of the new architecture with its instance type,
   * moves them (and a failed or returned release moves them back with the ledger). Without
   * recorded instance types (a token instance type), the deployment's own.
   */
  public instanceTypeFor(declared: ec2.InstanceType, architecture: ec2.InstanceArchitecture | undefined): ec2.InstanceType {
    if (this.names.instanceType === undefined || this.names.architecture === undefined || architecture === undefined) return declared;
    const released = this.textParameter('InstanceType', this.names.instanceType);
    const releasedArchitecture = this.textParameter('Architecture', this.names.architecture);
    const sameArchitecture = new CfnCondition(this, 'ReleasedForInstanceTypeArchitecture', {
      expression: Fn.conditionEquals(releasedArchitecture, architecture),
    });
    return new ec2.InstanceType(Fn.conditionIf(sameArchitecture.logicalId, declared.toString(), released).toString());
  }

  private textParameter(parameterId: string, name: string): string {
    return new CfnParameter(this, parameterId, {
      type: 'AWS::SSM::Parameter::Value<String>',
      default: name,
      description: `Release ledger parameter ${name}; leave the default`,
    }).valueAsString;
  }
}

/** Acknowledges the findings on the AwsCustomResource provider of a ledger stack. */
export function acknowledgeLedgerProviderFindings(ledgerStack: Stack): void {
  acknowledgeNagFinding(ledgerStack, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'The AwsCustomResource provider that creates the ledger once writes only its own logs with the AWS-managed basic execution policy');
  acknowledgeNagFinding(ledgerStack, 'AwsSolutions-L1',
    'The AwsCustomResource provider runtime is chosen by aws-cdk-lib, which moves it to newer Node.js runtimes as it is upgraded');
}
