import type { aws_ec2 as ec2 } from 'aws-cdk-lib';

/**
 * What a release into one environment needs to know, with no cross-stack export:
 * `RollingAsgDeployment.releaseTarget`, or the same for a deployment of another app.
 */
export interface ReleaseTarget {
  /** Name of the environment's stack. */
  readonly stackName: string;
  /**
   * Name of the application the environment runs, as its recipe names it: a release may take
   * in-use tags off, and deregister, only AMIs tagged `immutable-servers:application` with it.
   */
  readonly applicationName: string;
  /** Account of the environment (a token when the stack is environment-agnostic). */
  readonly account: string;
  /** Region of the environment (a token when the stack is environment-agnostic). */
  readonly region: string;
  /** Ledger parameter (a `text` parameter holding an AMI id) naming the AMI the environment runs. */
  readonly amiParameterName: string;
  /** Ledger parameter naming the released version. */
  readonly versionParameterName: string;
  /** Ledger parameter naming the released commit. */
  readonly commitIdParameterName: string;
  /** Ledger parameter with the (truncated) commit message. */
  readonly commitMessageParameterName: string;
  /** Ledger parameter naming the pipeline execution that released. */
  readonly pipelineExecutionIdParameterName: string;
  /** Ledger parameter with the content hash of the released archive (`none` when the release named none). */
  readonly contentHashParameterName: string;
  /** Ledger parameter with the fingerprint of the released image (`none` when the release named none). */
  readonly fingerprintParameterName: string;
  /**
   * Processor architecture of the environment's instances: a release takes the AMI of this
   * architecture from a release manifest that holds one per architecture.
   *
   * @default - the manifest's only AMI of the account and region
   */
  readonly architecture?: ec2.InstanceArchitecture;
  /**
   * Instance type of the environment's instances (a literal), which a release records in the
   * ledger beside its AMI and architecture. Given with `instanceTypeParameterName` and
   * `architectureParameterName`, a release into an environment whose deployment moved to an
   * instance type of another architecture moves its instances, with the AMI of that architecture.
   *
   * @default - the release records no instance type
   */
  readonly instanceType?: string;
  /**
   * Ledger parameter naming the instance type the release ran on (with `instanceType`).
   *
   * @default - the release records no instance type
   */
  readonly instanceTypeParameterName?: string;
  /**
   * Ledger parameter naming the processor architecture of the released AMI (with `instanceType`).
   *
   * @default - the release records no architecture
   */
  readonly architectureParameterName?: string;
  /**
   * Whether a release snapshots the environment's data volumes (those tagged
   * `immutable-servers:data-volume-of` with `stackName`) before it writes anything.
   *
   * @default false
   */
  readonly snapshotDataVolumes?: boolean;
  /**
   * Literal ARN of the environment's release stack update: an Express state machine in its
   * account and region that updates its stack with the previous template and parameter values, as
   * a service role that can only roll out a new launch template version. Releases start it
   * (`StartSyncExecution`), and may not update the stack themselves.
   */
  readonly stackUpdateStateMachineArn: string;
  /** Names of the alarms that roll a release back (literal names, usable from any stack). */
  readonly alarmNames: string[];
  /**
   * SSM parameter in the environment's account and region holding the load balancer's URL.
   *
   * @default - no load balancer created by the deployment
   */
  readonly urlParameterName?: string;
  /**
   * Literal name of the environment's Auto Scaling group, whose group metrics (in-service and
   * desired instances) a promotion's dashboard shows.
   *
   * @default - the dashboard shows no instance counts
   */
  readonly autoScalingGroupName?: string;
  /**
   * Literal ARN of a role in the environment's account that release and soak workflows of another
   * account assume: then they run in their own account, not in the environment's.
   *
   * @default - the workflows run in the environment's account (`cdk bootstrap --trust`)
   */
  readonly releaseRoleArn?: string;
}
