import { CfnOutput, Duration, Stack, StackProps, aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DeploymentLoadBalancing, RollingAsgDeployment } from 'cdk-immutable-servers';

export interface WebEnvironmentStackProps extends StackProps {
  /** dev, qa or prod. */
  readonly environmentName: string;
  readonly vpc: ec2.IVpc;
  /** Instances that serve; a rollout keeps all of them in service. */
  readonly minCapacity: number;
  /** Who may open a logged break-glass session on an instance (which is then replaced). @default - nobody */
  readonly breakGlassPrincipals?: iam.IPrincipal[];
}

/**
 * One environment of the `web` service: a load-balanced Auto Scaling group that runs the AMI its
 * release ledger names. Releases replace its instances with zero downtime, and roll back on their
 * own when the environment's alarms go off.
 */
export class WebEnvironmentStack extends Stack {
  public readonly deployment: RollingAsgDeployment;

  constructor(scope: Construct, id: string, props: WebEnvironmentStackProps) {
    super(scope, id, props);
    this.deployment = new RollingAsgDeployment(this, 'Web', {
      applicationName: 'web',
      environmentName: props.environmentName,
      vpc: props.vpc,
      instanceType: new ec2.InstanceType('t3.small'),
      applicationPort: 8080,
      minCapacity: props.minCapacity,
      loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer(),
      healthCheck: { path: '/health' },
      // Written to /etc/web/environment by each instance at boot: the image is the same everywhere.
      environment: { ENVIRONMENT: props.environmentName, GREETING: `Hello from ${props.environmentName}` },
      rollout: { bakeTime: Duration.minutes(5) },
      breakGlass: props.breakGlassPrincipals && { principals: props.breakGlassPrincipals },
    });
    new CfnOutput(this, 'Url', { description: `The ${props.environmentName} environment's load balancer`, value: this.deployment.url! });
  }
}
