import { Duration, Token, aws_cloudwatch as cloudwatch, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { ImageOperatingSystem, RollingAsgDeploymentProps } from '../../src';
import { deploymentStack } from '../helpers/deployment-stack';

describe('RollingAsgDeployment bad input', () => {
  test.each<[string, Partial<RollingAsgDeploymentProps>, string]>([
    ['min above max capacity', { minCapacity: 5, maxCapacity: 3 }, 'minCapacity (5) must be from 0 to maxCapacity (3)'],
    ['Windows on a Graviton instance type', { operatingSystem: ImageOperatingSystem.WINDOWS, instanceType: new ec2.InstanceType('t4g.medium') },
      'instanceType t4g.medium is an arm64 (Graviton) type, and Windows Server runs on x86_64 instances only: choose an x86_64 type such as m6i.large'],
    ['a desired capacity outside min and max', { minCapacity: 2, maxCapacity: 4, desiredCapacity: 6 }, 'desiredCapacity (6) must be from minCapacity (2) to maxCapacity (4)'],
    ['a min healthy percentage over 100', { rollout: { minHealthyPercentage: 120 } }, 'rollout.minHealthyPercentage must be an integer from 0 to 100, got 120'],
    ['a max healthy percentage under 100', { rollout: { maxHealthyPercentage: 90 } }, 'rollout.maxHealthyPercentage must be an integer from 100 to 200, got 90'],
    ['healthy percentages more than 100 apart', { rollout: { minHealthyPercentage: 50, maxHealthyPercentage: 200 } },
      'rollout.maxHealthyPercentage (200) may be at most 100 above minHealthyPercentage (50)'],
    ['checkpoints not ascending', { rollout: { checkpointPercentages: [50, 20, 100] } },
      'rollout.checkpointPercentages must be unique integers from 1 to 100 in ascending order, ending at 100, got [50, 20, 100]'],
    ['a max healthy percentage over 200', { rollout: { maxHealthyPercentage: 250 } }, 'rollout.maxHealthyPercentage must be an integer from 100 to 200, got 250'],
    ['a fractional min healthy percentage', { rollout: { minHealthyPercentage: 90.5 } }, 'rollout.minHealthyPercentage must be an integer from 0 to 100, got 90.5'],
    ['a negative min capacity', { minCapacity: -1, maxCapacity: 2 }, 'minCapacity (-1) must be from 0 to maxCapacity (2)'],
    ['a checkpoint out of range', { rollout: { checkpointPercentages: [0, 100] } }, 'got [0, 100]'],
    ['no checkpoints', { rollout: { checkpointPercentages: [] } }, 'got []'],
    ['a hop limit over 64', { metadataHopLimit: 65 }, 'metadataHopLimit must be an integer from 1 to 64, got 65'],
    ['a parameter prefix ending with a slash', { parameterPrefix: '/acme/web/' },
      "parameterPrefix must be /-separated letters, digits, '_', '.' and '-', starting with '/' and not ending with one, got '/acme/web/'"],
    ['repeated checkpoints', { rollout: { checkpointPercentages: [50, 50, 100] } }, 'got [50, 50, 100]'],
    ['checkpoints not ending at 100', { rollout: { checkpointPercentages: [20, 50] } }, 'got [20, 50]'],
    ['a bake time over 48 hours', { rollout: { bakeTime: Duration.hours(49) } }, 'rollout.bakeTime must be at most 48 hours, got 2 days 1 hour'],
    ['a checkpoint delay over 48 hours', { rollout: { checkpointPercentages: [50, 100], checkpointDelay: Duration.days(3) } },
      'rollout.checkpointDelay must be at most 48 hours, got 3 days'],
    ['a health check path without a leading slash', { healthCheck: { path: 'health' } }, "healthCheck.path must start with '/', got 'health'"],
    ['a port out of range', { applicationPort: 70000 }, 'applicationPort must be an integer from 1 to 65535, got 70000'],
    ['an environment name with capitals', { environmentName: 'Prod' }, "environmentName must be 1 to 32 lowercase letters, digits or '-', starting with a letter, got 'Prod'"],
    ['an environment variable name with a dash', { environment: { 'LOG-LEVEL': 'info' } },
      "Environment variable names must be letters, digits and '_', not starting with a digit, got 'LOG-LEVEL'"],
    ['a multi-line environment variable', { environment: { GREETING: 'a\nb' } }, 'Environment variable GREETING must be one line, got "a\\nb"'],
  ])('given %s, then construction fails naming the prop and value', (_case, props, message) => {
    expect(() => deploymentStack(props)).toThrow(message);
  });

  test('given more than 10 alarms with the built-in one, then construction fails naming the count', () => {
    expect(() => deploymentStack({}, (stack) => ({
      rollout: { alarms: Array.from({ length: 10 }, (_, index) => cloudwatch.Alarm.fromAlarmName(stack, `Alarm${index}`, `alarm-${index}`)) },
    }))).toThrow('An instance refresh watches at most 10 alarms; the built-in and rollout.alarms make 11');
  });

  test('given subnets that select nothing, then construction fails naming the VPC', () => {
    expect(() => deploymentStack({ vpcSubnets: { subnetFilters: [ec2.SubnetFilter.byIds(['subnet-elsewhere'])] } }))
      .toThrow('vpcSubnets selects no subnet in VPC WebProd/Vpc');
  });

  test('given unresolved tokens, then they are left for CloudFormation to check', () => {
    expect(() => deploymentStack({
      applicationPort: Token.asNumber({ Ref: 'Port' }),
      rollout: { minHealthyPercentage: Token.asNumber({ Ref: 'MinHealthy' }), checkpointPercentages: [Token.asNumber({ Ref: 'Checkpoint' }), 100] },
    })).not.toThrow();
  });
});
