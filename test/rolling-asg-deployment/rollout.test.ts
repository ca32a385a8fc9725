import { Duration, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import { DeploymentLoadBalancing } from '../../src';
import { deploymentStack, onlyOfType, resourcesOfType } from '../helpers/deployment-stack';

const alarmIds = (refreshAlarms: any[]) => refreshAlarms.map((alarm: any) => alarm.Ref);

describe('RollingAsgDeployment rollout', () => {
  test('given defaults, then an instance refresh launches every replacement before terminating, warms up for the grace period and bakes 5 minutes', () => {
    const group = onlyOfType(deploymentStack().template, 'AWS::AutoScaling::AutoScalingGroup');

    expect(group.UpdatePolicy.AutoScalingInstanceRefresh).toMatchObject({
      Strategy: 'Rolling',
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 180, BakeTime: 300 },
    });
    expect(group.Properties.HealthCheckGracePeriod).toBe(180);
  });

  test('given checkpoints, a delay and a bake time, then the policy carries them', () => {
    const { template } = deploymentStack({
      rollout: {
        checkpointPercentages: [20, 50, 100],
        checkpointDelay: Duration.minutes(10),
        bakeTime: Duration.minutes(15),
        instanceWarmup: Duration.minutes(2),
      },
    });

    expect(onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').UpdatePolicy.AutoScalingInstanceRefresh.Preferences).toMatchObject({
      CheckpointPercentages: [20, 50, 100], CheckpointDelay: 600, BakeTime: 900, InstanceWarmup: 120,
    });
  });

  test('given a load balancer, then unhealthy targets, the target 5xx rate and a process down fail the refresh', () => {
    const { template, deployment } = deploymentStack({ loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer() });
    const preferences = onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').UpdatePolicy.AutoScalingInstanceRefresh.Preferences;
    const alarms = template.findResources('AWS::CloudWatch::Alarm');

    expect(alarmIds(preferences.AlarmSpecification.Alarms).map((id: string) => alarms[id].Properties.AlarmDescription)).toEqual([
      'Targets failing the health check: fails the rollout and rolls the release back',
      'More than 5 % of requests answered 5xx by the targets: fails the rollout and rolls the release back',
      'An instance runs no web process: fails the rollout and rolls the release back',
    ]);
    expect(deployment.rolloutAlarms).toHaveLength(3);
  });

  test('given a load balancer, then the unhealthy-targets alarm outlasts the health check grace period, and the 5xx alarm is a rate of requests', () => {
    const { template } = deploymentStack({
      loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer(),
      healthCheck: { gracePeriod: Duration.minutes(5) },
    });
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map((alarm) => alarm.Properties);
    const unhealthy = alarms.find((alarm) => alarm.MetricName === 'UnHealthyHostCount');
    const errorRate = alarms.find((alarm) => alarm.Metrics !== undefined);

    expect(unhealthy).toMatchObject({ Namespace: 'AWS/ApplicationELB', Statistic: 'Maximum', Threshold: 1, EvaluationPeriods: 6, Period: 60 });
    expect(unhealthy.Dimensions.map((dimension: any) => dimension.Name).sort()).toEqual(['LoadBalancer', 'TargetGroup']);
    expect(errorRate.Metrics[0].Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    const metricNames = errorRate.Metrics.slice(1).map((metric: any) => metric.MetricStat.Metric.MetricName);
    expect(metricNames.sort()).toEqual(['HTTPCode_Target_5XX_Count', 'RequestCount']);
    expect(errorRate).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold' });
  });

  test('given alarms, then each has a literal name a release workflow in another account can watch, and rolloutAlarms is a copy', () => {
    const { deployment } = deploymentStack({ loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer() });
    const group = 'WebProd-Web-';

    expect(deployment.releaseTarget.alarmNames).toEqual([
      expect.stringMatching(new RegExp(`^${group}\\w+-targets1-unhealthy$`)),
      expect.stringMatching(new RegExp(`^${group}\\w+-targets1-5xx-rate$`)),
      expect.stringMatching(new RegExp(`^${group}\\w+-process-down$`)),
    ]);
    deployment.rolloutAlarms.pop();
    expect(deployment.rolloutAlarms).toHaveLength(3);
  });

  test('given the process down alarm, then it watches the agent\'s process count of this group, at least one per instance', () => {
    const alarm = resourcesOfType(deploymentStack().template, 'AWS::CloudWatch::Alarm')[0].Properties;
    const group = onlyOfType(deploymentStack().template, 'AWS::AutoScaling::AutoScalingGroup').Properties;

    expect(alarm).toMatchObject({
      Namespace: 'CWAgent',
      MetricName: 'procstat_lookup_pid_count',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: group.AutoScalingGroupName }],
      Statistic: 'Minimum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('given alarms of your own, then they fail the refresh too, after the built-in ones', () => {
    const { template } = deploymentStack({}, (stack) => ({
      rollout: { alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'Latency', 'web-prod-latency')] },
    }));
    const preferences = onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').UpdatePolicy.AutoScalingInstanceRefresh.Preferences;

    expect(preferences.AlarmSpecification.Alarms).toEqual([{ Ref: expect.stringMatching(/^WebProcessDown/) }, 'web-prod-latency']);
  });

  test('given the template facts the rollback argument of docs/research/release-rollback.md needs, then the image id comes from the ledger parameter and the group rolls out by instance refresh with alarms', () => {
    // docs/research/release-rollback.md: a failed instance refresh rolls the stack back, and the
    // rollback restores the group's previous configuration, i.e. its previous launch template
    // version with the previously resolved AMI id. These are the template facts that argument needs.
    const { template } = deploymentStack();
    const data = onlyOfType(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
    const group = onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup');

    expect(template.toJSON().Parameters[data.ImageId.Ref].Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
    expect(group.Properties.LaunchTemplate.Version).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^WebLaunchTemplate/), 'LatestVersionNumber'] });
    expect(group.UpdatePolicy.AutoScalingInstanceRefresh).toBeDefined();
    expect(group.UpdatePolicy.AutoScalingRollingUpdate).toBeUndefined();
    expect(group.UpdatePolicy.AutoScalingReplacingUpdate).toBeUndefined();
    expect(group.UpdatePolicy.AutoScalingInstanceRefresh.Preferences.AlarmSpecification.Alarms.length).toBeGreaterThan(0);
  });
});
