import * as fs from 'fs';
import * as path from 'path';
import {
  InstanceRefreshPolicy, instanceRefreshPlan, instanceRefreshPreferencesFromTemplate, renderRolloutTable, rollingUpdatePlan,
} from '../../../scripts/lib/rollout-model';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'instance-refresh.template.json'), 'utf-8'));

/** 180 s to launch and become healthy plus 300 s of warmup: every wave takes 480 s. */
const timing = { launchSeconds: 180, warmupSeconds: 300 };
const launchFirst: InstanceRefreshPolicy = { minHealthyPercentage: 100, maxHealthyPercentage: 200 };
const tenPercentMore: InstanceRefreshPolicy = { minHealthyPercentage: 100, maxHealthyPercentage: 110 };

/** A template with one Auto Scaling group carrying the given update policy and properties. */
function groupTemplate(updatePolicy: Record<string, unknown>, properties: Record<string, unknown> = {}) {
  return { Resources: { Fleet: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { MinSize: '0', MaxSize: '10', ...properties }, UpdatePolicy: updatePolicy } } };
}

describe('instanceRefreshPlan', () => {
  test.each([1, 2, 10, 50, 1000])('given min 100 %% and max 200 %%, when %i instances are refreshed, then they are replaced in one wave of 480 s', (fleetSize) => {
    expect(instanceRefreshPlan(fleetSize, launchFirst, timing)).toEqual({ waves: 1, worstCaseSeconds: 480 });
  });

  test('given max 110 %, when 10 instances are refreshed, then one extra instance at a time makes 10 waves', () => {
    expect(instanceRefreshPlan(10, tenPercentMore, timing)).toEqual({ waves: 10, worstCaseSeconds: 4800 });
  });

  test('given max 110 %, when 50 instances are refreshed, then five at a time make 10 waves', () => {
    expect(instanceRefreshPlan(50, tenPercentMore, timing)).toEqual({ waves: 10, worstCaseSeconds: 4800 });
  });

  test('given max 110 %, when 2 instances are refreshed, then the window rounds to nothing and one instance at a time is replaced', () => {
    expect(instanceRefreshPlan(2, tenPercentMore, timing)).toEqual({ waves: 2, worstCaseSeconds: 960 });
  });

  test('given max 100 % and min 80 %, when 10 instances are refreshed, then capacity below the minimum bounds the batch to two', () => {
    expect(instanceRefreshPlan(10, { minHealthyPercentage: 80, maxHealthyPercentage: 100 }, timing)).toEqual({ waves: 5, worstCaseSeconds: 2400 });
  });

  test('given checkpoints [50, 100] with a 600 s delay, when 10 instances are refreshed launch-first, then two waves are split by one delay', () => {
    const plan = instanceRefreshPlan(10, { ...launchFirst, checkpointPercentages: [50, 100], checkpointDelaySeconds: 600 }, timing);

    expect(plan).toEqual({ waves: 2, worstCaseSeconds: 2 * 480 + 600 });
  });

  test('given checkpoints [50, 100] with a 600 s delay and max 110 %, when 50 instances are refreshed, then 10 waves and one delay', () => {
    const plan = instanceRefreshPlan(50, { ...tenPercentMore, checkpointPercentages: [50, 100], checkpointDelaySeconds: 600 }, timing);

    expect(plan).toEqual({ waves: 10, worstCaseSeconds: 10 * 480 + 600 });
  });

  test('given the AWS checkpoint example (10 instances, min 80 %, max 100 %, [20, 50, 100]), then batches shrink to land on each checkpoint', () => {
    const policy = { minHealthyPercentage: 80, maxHealthyPercentage: 100, checkpointPercentages: [20, 50, 100], checkpointDelaySeconds: 600 };

    const plan = instanceRefreshPlan(10, policy, timing);

    // 2 | 2 + 1 | 2 + 2 + 1 new instances, two delays
    expect(plan).toEqual({ waves: 6, worstCaseSeconds: 6 * 480 + 2 * 600 });
  });

  test('given 2 instances and checkpoints [10, 40, 100], when the first replacement passes both 10 and 40, then 40 is skipped without a second delay', () => {
    const plan = instanceRefreshPlan(2, { ...tenPercentMore, checkpointPercentages: [10, 40, 100], checkpointDelaySeconds: 600 }, timing);

    expect(plan).toEqual({ waves: 2, worstCaseSeconds: 2 * 480 + 600 });
  });

  test('given checkpoints without a delay, then the AWS default of one hour is waited', () => {
    const plan = instanceRefreshPlan(10, { ...launchFirst, checkpointPercentages: [50, 100] }, timing);

    expect(plan).toEqual({ waves: 2, worstCaseSeconds: 2 * 480 + 3600 });
  });

  test('given a 900 s bake time, when 10 instances are refreshed launch-first, then it is added once at the end', () => {
    expect(instanceRefreshPlan(10, { ...launchFirst, bakeTimeSeconds: 900 }, timing)).toEqual({ waves: 1, worstCaseSeconds: 480 + 900 });
  });

  test('given no warmup in the timing, then the policy\'s InstanceWarmup is used', () => {
    const plan = instanceRefreshPlan(10, { ...launchFirst, instanceWarmupSeconds: 60 }, { launchSeconds: 180 });

    expect(plan).toEqual({ waves: 1, worstCaseSeconds: 240 });
  });
});

describe('rollingUpdatePlan', () => {
  test.each([[2, 960], [10, 4800], [50, 24000]])('given MaxBatchSize 1 and a 300 s pause, when %i instances are updated, then one wave each', (fleetSize, seconds) => {
    expect(rollingUpdatePlan(fleetSize, { maxBatchSize: 1, pauseSeconds: 300 }, timing)).toEqual({ waves: fleetSize, worstCaseSeconds: seconds });
  });

  test('given MinInstancesInService equal to the fleet, when 10 instances are updated with batches of 1, then still 10 waves (launched first)', () => {
    const plan = rollingUpdatePlan(10, { maxBatchSize: 1, minInstancesInService: 10, pauseSeconds: 300 }, timing);

    expect(plan).toEqual({ waves: 10, worstCaseSeconds: 4800 });
  });

  test('given MaxBatchSize 3 and MinInstancesInService 8, when 10 instances are updated, then two at a time make 5 waves', () => {
    const plan = rollingUpdatePlan(10, { maxBatchSize: 3, minInstancesInService: 8, pauseSeconds: 300 }, timing);

    expect(plan).toEqual({ waves: 5, worstCaseSeconds: 2400 });
  });
});

describe('instanceRefreshPreferencesFromTemplate', () => {
  test('given the fixture template, then its only group\'s policy is read and the defaults fill the rest', () => {
    expect(instanceRefreshPreferencesFromTemplate(fixture)).toEqual({
      logicalId: 'FleetASG3971DFE5',
      strategy: 'Rolling',
      minHealthyPercentage: 100,
      maxHealthyPercentage: 200,
      instanceWarmupSeconds: 240,
      checkpointPercentages: [],
      checkpointDelaySeconds: 3600,
      bakeTimeSeconds: 0,
      skipMatching: true,
      defaultsApplied: ['BakeTime 0 s (AWS default)', 'SkipMatching true (AutoScalingInstanceRefresh default)'],
    });
  });

  test('given the fixture template, when 2, 10 and 50 instances are refreshed, then each takes one wave of launch + the policy\'s 240 s warmup', () => {
    const preferences = instanceRefreshPreferencesFromTemplate(fixture, 'FleetASG3971DFE5');

    expect([2, 10, 50].map((fleetSize) => instanceRefreshPlan(fleetSize, preferences, { launchSeconds: 180 }))).toEqual([
      { waves: 1, worstCaseSeconds: 420 }, { waves: 1, worstCaseSeconds: 420 }, { waves: 1, worstCaseSeconds: 420 },
    ]);
  });

  test('given a policy with no preferences, then the AutoScalingInstanceRefresh defaults are applied and named', () => {
    const preferences = instanceRefreshPreferencesFromTemplate(groupTemplate({ AutoScalingInstanceRefresh: { Strategy: 'Rolling' } }));

    expect(preferences).toEqual({
      logicalId: 'Fleet',
      strategy: 'Rolling',
      minHealthyPercentage: 100,
      maxHealthyPercentage: 110,
      instanceWarmupSeconds: undefined,
      checkpointPercentages: [],
      checkpointDelaySeconds: 3600,
      bakeTimeSeconds: 0,
      skipMatching: true,
      defaultsApplied: [
        'MinHealthyPercentage 100 (AutoScalingInstanceRefresh default for the Rolling strategy)',
        'MaxHealthyPercentage 110 (AutoScalingInstanceRefresh default for the Rolling strategy)',
        'InstanceWarmup not set (nor the group\'s DefaultInstanceWarmup or HealthCheckGracePeriod; AWS would wait 0 s)',
        'BakeTime 0 s (AWS default)',
        'SkipMatching true (AutoScalingInstanceRefresh default)',
      ],
    });
  });

  test('given no strategy and no preferences, then Rolling is assumed', () => {
    expect(instanceRefreshPreferencesFromTemplate(groupTemplate({ AutoScalingInstanceRefresh: {} })).strategy).toBe('Rolling');
  });

  test('given the ReplaceRootVolume strategy without percentages, then its defaults of 90 % and 100 % apply', () => {
    const preferences = instanceRefreshPreferencesFromTemplate(groupTemplate({ AutoScalingInstanceRefresh: { Strategy: 'ReplaceRootVolume' } }));

    expect([preferences.minHealthyPercentage, preferences.maxHealthyPercentage]).toEqual([90, 100]);
  });

  test('given the group has an instance maintenance policy and a grace period, then percentages and warmup come from the group', () => {
    const template = groupTemplate({ AutoScalingInstanceRefresh: { Strategy: 'Rolling' } }, {
      InstanceMaintenancePolicy: { MinHealthyPercentage: 90, MaxHealthyPercentage: 120 },
      HealthCheckGracePeriod: '120',
    });

    const preferences = instanceRefreshPreferencesFromTemplate(template);

    expect(preferences).toMatchObject({ minHealthyPercentage: 90, maxHealthyPercentage: 120, instanceWarmupSeconds: 120 });
    expect(preferences.defaultsApplied).toContain('InstanceWarmup 120 s (from the group\'s HealthCheckGracePeriod)');
  });

  test('given the group\'s DefaultInstanceWarmup and HealthCheckGracePeriod, then DefaultInstanceWarmup wins', () => {
    const template = groupTemplate({ AutoScalingInstanceRefresh: {} }, { DefaultInstanceWarmup: 90, HealthCheckGracePeriod: 120 });

    expect(instanceRefreshPreferencesFromTemplate(template).instanceWarmupSeconds).toBe(90);
  });

  test('given every preference as a numeric string, then each is parsed', () => {
    const template = groupTemplate({
      AutoScalingInstanceRefresh: {
        Strategy: 'Rolling',
        Preferences: {
          MinHealthyPercentage: '90',
          MaxHealthyPercentage: '150',
          InstanceWarmup: '60',
          CheckpointPercentages: ['50', 100],
          CheckpointDelay: '120',
          BakeTime: '30',
          SkipMatching: 'false',
        },
      },
    });

    expect(instanceRefreshPreferencesFromTemplate(template)).toEqual({
      logicalId: 'Fleet',
      strategy: 'Rolling',
      minHealthyPercentage: 90,
      maxHealthyPercentage: 150,
      instanceWarmupSeconds: 60,
      checkpointPercentages: [50, 100],
      checkpointDelaySeconds: 120,
      bakeTimeSeconds: 30,
      skipMatching: false,
      defaultsApplied: [],
    });
  });

  test('given checkpoints without a delay, then the one-hour default is applied and named', () => {
    const template = groupTemplate({ AutoScalingInstanceRefresh: { Preferences: { CheckpointPercentages: [50, 100] } } });

    const preferences = instanceRefreshPreferencesFromTemplate(template);

    expect(preferences.checkpointDelaySeconds).toBe(3600);
    expect(preferences.defaultsApplied).toContain('CheckpointDelay 3600 s (AWS default when checkpoints are set)');
  });

  test('given two groups of which one has the policy, then that one is read', () => {
    const template = groupTemplate({ AutoScalingInstanceRefresh: {} });
    const other = { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: {}, UpdatePolicy: { AutoScalingRollingUpdate: { MaxBatchSize: 1 } } };

    expect(instanceRefreshPreferencesFromTemplate({ Resources: { ...template.Resources, Other: other } }).logicalId).toBe('Fleet');
  });
});

describe('errors', () => {
  test('given a template without Auto Scaling groups, then it says so', () => {
    expect(() => instanceRefreshPreferencesFromTemplate({ Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } }))
      .toThrow('The template has no AWS::AutoScaling::AutoScalingGroup, so there is no instance refresh policy to model');
  });

  test('given a group with a rolling update instead, then it names the group and the policy it has', () => {
    expect(() => instanceRefreshPreferencesFromTemplate(groupTemplate({ AutoScalingRollingUpdate: { MaxBatchSize: 1 } })))
      .toThrow('No Auto Scaling group in the template has UpdatePolicy.AutoScalingInstanceRefresh (groups without it: Fleet (it has AutoScalingRollingUpdate))');
  });

  test('given two groups with the policy and no logical id, then it asks for one', () => {
    const { Fleet } = groupTemplate({ AutoScalingInstanceRefresh: {} }).Resources;

    expect(() => instanceRefreshPreferencesFromTemplate({ Resources: { Web: Fleet, Worker: Fleet } }))
      .toThrow('The template has 2 Auto Scaling groups with UpdatePolicy.AutoScalingInstanceRefresh (Web, Worker); name one by its logical id');
  });

  test('given an unknown logical id, then it lists the groups', () => {
    expect(() => instanceRefreshPreferencesFromTemplate(fixture, 'Missing'))
      .toThrow('The template has no AWS::AutoScaling::AutoScalingGroup with logical id \'Missing\' (Auto Scaling groups: FleetASG3971DFE5)');
  });

  test('given the logical id of a group without the policy, then it says so', () => {
    expect(() => instanceRefreshPreferencesFromTemplate(groupTemplate({}), 'Fleet')).toThrow('Auto Scaling group \'Fleet\' has no UpdatePolicy.AutoScalingInstanceRefresh');
  });

  test('given an unresolved token as a preference, then it names where it is', () => {
    const template = groupTemplate({ AutoScalingInstanceRefresh: { Preferences: { InstanceWarmup: { Ref: 'Warmup' } } } });

    expect(() => instanceRefreshPreferencesFromTemplate(template))
      .toThrow('Resources/Fleet/UpdatePolicy/AutoScalingInstanceRefresh/Preferences/InstanceWarmup must be a number or a numeric string, got {"Ref":"Warmup"}');
  });

  test('given a maximum healthy percentage above 200, then it is refused', () => {
    const template = groupTemplate({ AutoScalingInstanceRefresh: { Preferences: { MaxHealthyPercentage: 250 } } });

    expect(() => instanceRefreshPreferencesFromTemplate(template))
      .toThrow('Resources/Fleet/UpdatePolicy/AutoScalingInstanceRefresh: MaxHealthyPercentage must be between 100 and 200, got 250');
  });

  test('given percentages more than 100 apart, then they are refused', () => {
    expect(() => instanceRefreshPlan(10, { minHealthyPercentage: 50, maxHealthyPercentage: 200 }, timing))
      .toThrow('preferences: MaxHealthyPercentage (200) and MinHealthyPercentage (50) must be at most 100 apart');
  });

  test('given checkpoints that do not end at 100, then they are refused', () => {
    expect(() => instanceRefreshPlan(10, { ...launchFirst, checkpointPercentages: [20, 50] }, timing))
      .toThrow('preferences: CheckpointPercentages must end at 100 to replace every instance, got [20,50]');
  });

  test('given checkpoints out of order, then they are refused', () => {
    expect(() => instanceRefreshPlan(10, { ...launchFirst, checkpointPercentages: [50, 50, 100] }, timing))
      .toThrow('preferences: CheckpointPercentages must be unique and ascending, got [50,50,100]');
  });

  test('given a bake time over 48 hours, then it is refused', () => {
    expect(() => instanceRefreshPlan(10, { ...launchFirst, bakeTimeSeconds: 172_801 }, timing))
      .toThrow('preferences: BakeTime must be between 0 and 172800 seconds (48 hours), got 172801');
  });

  test('given no warmup in the policy or the timing, then it asks for one', () => {
    expect(() => instanceRefreshPlan(10, launchFirst, { launchSeconds: 180 }))
      .toThrow('No instance warmup: the policy has no InstanceWarmup, so pass timing.warmupSeconds');
  });

  test('given an empty fleet, then it is refused', () => {
    expect(() => instanceRefreshPlan(0, launchFirst, timing)).toThrow('fleetSize must be a whole number of instances, 1 or more, got 0');
    expect(() => rollingUpdatePlan(0, { maxBatchSize: 1, pauseSeconds: 0 }, timing)).toThrow('fleetSize must be a whole number of instances, 1 or more, got 0');
  });

  test('given a pause over one hour, then the rolling update is refused', () => {
    expect(() => rollingUpdatePlan(10, { maxBatchSize: 1, pauseSeconds: 3601 }, timing))
      .toThrow('pauseSeconds must be at most 3600 (PauseTime PT1H), got 3601');
  });
});

describe('renderRolloutTable', () => {
  test('given plans for 2, 10 and 50 instances, then a plain-text table with minutes to one decimal', () => {
    const table = renderRolloutTable([
      { fleetSize: 2, refresh: { waves: 1, worstCaseSeconds: 420 }, rollingUpdate: { waves: 2, worstCaseSeconds: 840 } },
      { fleetSize: 10, refresh: { waves: 1, worstCaseSeconds: 420 }, rollingUpdate: { waves: 10, worstCaseSeconds: 4200 } },
      { fleetSize: 50, refresh: { waves: 10, worstCaseSeconds: 4830 }, rollingUpdate: { waves: 50, worstCaseSeconds: 21000 } },
    ]);

    expect(table).toBe([
      'fleet size | refresh waves | refresh worst case (min) | rolling-update waves | rolling-update worst case (min)',
      '-----------|---------------|--------------------------|----------------------|--------------------------------',
      '         2 |             1 |                      7.0 |                    2 |                            14.0',
      '        10 |             1 |                      7.0 |                   10 |                            70.0',
      '        50 |            10 |                     80.5 |                   50 |                           350.0',
      '',
    ].join('\n'));
  });
});
