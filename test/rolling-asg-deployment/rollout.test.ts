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

  test('given the rollout evidence the design relies on, then the image id comes from the ledger parameter and the group rolls out by instance refresh with alarms', () => {
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
