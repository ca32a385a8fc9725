import { aws_certificatemanager as acm, aws_elasticloadbalancingv2 as elbv2 } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { DeploymentLoadBalancing, ListenerProtocol } from '../../src';
import { deploymentStack, onlyOfType } from '../helpers/deployment-stack';

const EXISTING_TARGET_GROUP = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/web/0123456789abcdef';
const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:111111111111:certificate/12345678-1234-1234-1234-123456789012';

describe('RollingAsgDeployment load balancing', () => {
  test('given an HTTP load balancer, then it listens on 80, checks the health path on the application port and the group uses ELB health checks', () => {
    const { template, deployment } = deploymentStack({ loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer(), healthCheck: { path: '/health' } });

    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    expect(onlyOfType(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties).toMatchObject({
      Port: 8080, Protocol: 'HTTP', HealthCheckPath: '/health', Matcher: { HttpCode: '200' },
    });
    expect(onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').Properties).toMatchObject({ HealthCheckType: 'ELB', HealthCheckGracePeriod: 180 });
    expect(deployment.url).toMatch(/^http:\/\/\$\{Token/);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/immutable-servers/web/prod/url',
      Value: { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebLoadBalancer'), 'DNSName'] }]] },
    });
    expect(deployment.releaseTarget.urlParameterName).toBe('/immutable-servers/web/prod/url');
  });

  test('given an HTTPS load balancer with a certificate, then it listens on 443 with that certificate and the URL is https', () => {
    const { template, deployment } = deploymentStack({}, (stack) => ({
      loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer({
        protocol: ListenerProtocol.HTTPS,
        certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN),
      }),
    }));

    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: CERTIFICATE_ARN }] });
    expect(deployment.url).toMatch(/^https:\/\//);
  });

  test('given a load balancer, then the instances accept the application port from it only, and its access logs go to a bucket', () => {
    const { template } = deploymentStack({ loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer() });

    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
    expect(ingress).toEqual([expect.objectContaining({
      FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^WebLoadBalancerSecurityGroup/), 'GroupId'] },
    })]);
    expect(onlyOfType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes)
      .toEqual(expect.arrayContaining([{ Key: 'access_logs.s3.enabled', Value: 'true' }]));
  });

  test('given existing target groups, then the group registers with them, uses ELB health checks and alarms on them, and no load balancer is created', () => {
    const { template, deployment } = deploymentStack({}, (stack) => ({
      loadBalancing: DeploymentLoadBalancing.targetGroups([elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, 'Existing', {
        targetGroupArn: EXISTING_TARGET_GROUP,
        loadBalancerArns: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/shared/0123456789abcdef',
      })]),
    }));
    const group = onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').Properties;

    expect(group.TargetGroupARNs).toEqual([EXISTING_TARGET_GROUP]);
    expect(group.HealthCheckType).toBe('ELB');
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    expect(deployment.releaseTarget.alarmNames.filter((name) => /-targets1-(unhealthy|5xx-rate)$/.test(name))).toHaveLength(2);
  });

  test('given an existing target group imported without its load balancer, then construction fails saying how to import it', () => {
    expect(() => deploymentStack({}, (stack) => ({
      loadBalancing: DeploymentLoadBalancing.targetGroups([elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, 'Existing', { targetGroupArn: EXISTING_TARGET_GROUP })]),
    }))).toThrow(/^Target group WebProd\/Existing needs its load balancer for the rollback alarms: import it with loadBalancerArns/);
  });

  test('given no load balancing, then the group uses EC2 health checks and has no URL', () => {
    const { template, deployment } = deploymentStack();

    expect(onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.HealthCheckType).toBe('EC2');
    expect(deployment.url).toBeUndefined();
    expect(deployment.releaseTarget.urlParameterName).toBeUndefined();
  });

  test.each<[string, () => DeploymentLoadBalancing, string]>([
    ['HTTPS without a certificate', () => DeploymentLoadBalancing.applicationLoadBalancer({ protocol: ListenerProtocol.HTTPS }),
      'An HTTPS load balancer needs a certificate: set certificate, or use ListenerProtocol.HTTP'],
    ['no target groups', () => DeploymentLoadBalancing.targetGroups([]), 'DeploymentLoadBalancing.targetGroups needs at least one target group, got []'],
  ])('given %s, then it fails saying what to set', (_case, create, message) => {
    expect(create).toThrow(message);
  });
});
