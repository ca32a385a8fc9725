import { Fn, Stack, StackProps, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * One VPC for the three environments: two Availability Zones, one NAT gateway (the largest idle
 * cost of the example; give each environment its own VPC and NAT gateways in production), flow logs.
 */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    vpc.addFlowLog('FlowLogs');
    this.vpc = vpc;
  }

  /**
   * The region's first two zones, resolved by CloudFormation at deploy time, so that synthesis
   * needs no AWS account (for a stack with a literal account and region, the default looks them up).
   */
  public get availabilityZones(): string[] {
    return [0, 1].map((index) => Fn.select(index, Fn.getAzs()));
  }
}
