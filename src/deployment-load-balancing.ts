import { aws_certificatemanager as acm, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2 } from 'aws-cdk-lib';

/**
 * Protocol of the load balancer's listener.
 */
export enum ListenerProtocol {
  /** HTTP on port 80. */
  HTTP = 'HTTP',
  /** HTTPS on port 443, with a certificate. */
  HTTPS = 'HTTPS',
}

/**
 * An Application Load Balancer that a deployment creates in front of its group.
 */
export interface ApplicationLoadBalancerOptions {
  /**
   * Listener protocol.
   *
   * @default ListenerProtocol.HTTP
   */
  readonly protocol?: ListenerProtocol;

  /**
   * Certificate of the HTTPS listener; required for HTTPS.
   *
   * @default - none (HTTP)
   */
  readonly certificate?: acm.ICertificate;

  /**
   * Whether the load balancer has public addresses.
   *
   * @default true
   */
  readonly internetFacing?: boolean;

  /**
   * Subnets of the load balancer.
   *
   * @default - public subnets when internet-facing, private otherwise
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * How a deployment's instances receive traffic.
 */
export class DeploymentLoadBalancing {
  /**
   * Create an Application Load Balancer with one listener and a target group for the instances,
   * whose health check the group uses (type ELB).
   */
  public static applicationLoadBalancer(options: ApplicationLoadBalancerOptions = {}): DeploymentLoadBalancing {
    const protocol = options.protocol ?? ListenerProtocol.HTTP;
    if (protocol === ListenerProtocol.HTTPS && !options.certificate) {
      throw new Error('An HTTPS load balancer needs a certificate: set certificate, or use ListenerProtocol.HTTP');
    }
    if (protocol === ListenerProtocol.HTTP && options.certificate) {
      throw new Error('A certificate was given for an HTTP load balancer: set protocol to ListenerProtocol.HTTPS');
    }
    return new DeploymentLoadBalancing({ ...options, protocol }, []);
  }

  /**
   * Register the instances with existing target groups, whose health checks the group uses (type
   * ELB). Allow the load balancers' traffic through the deployment's `connections`.
   */
  public static targetGroups(targetGroups: elbv2.IApplicationTargetGroup[]): DeploymentLoadBalancing {
    if (targetGroups.length === 0) {
      throw new Error('DeploymentLoadBalancing.targetGroups needs at least one target group, got []');
    }
    return new DeploymentLoadBalancing(undefined, targetGroups);
  }

  /**
   * No load balancer: instances are replaced on EC2 health checks only.
   */
  public static none(): DeploymentLoadBalancing {
    return new DeploymentLoadBalancing(undefined, []);
  }

  private constructor(
    /** @internal */
    public readonly _applicationLoadBalancer: ApplicationLoadBalancerOptions | undefined,
    /** @internal */
    public readonly _targetGroups: elbv2.IApplicationTargetGroup[],
  ) {}
}
