/**
 * Prints a rollout table computed from a synthesized template's instance refresh policy: for fleets
 * of 2, 10 and 50 instances, the replacement waves and worst-case duration of the instance refresh,
 * beside a CloudFormation rolling update with MaxBatchSize 1. It is a MODEL (see
 * scripts/lib/rollout-model.ts for its assumptions and the AWS documentation behind them), not a
 * measurement of a real deployment.
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node --project tsconfig.dev.json scripts/rollout-table.ts [template.json [logicalId]]
 *
 * Without arguments it synthesizes a RollingAsgDeployment with default props and models its policy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { RollingAsgDeployment } from '../src';
import {
  InstanceRefreshPreferences, RolloutRow, instanceRefreshPlan, instanceRefreshPreferencesFromTemplate, renderRolloutTable, rollingUpdatePlan,
} from './lib/rollout-model';

/** Seconds a new instance is assumed to take from launch until it is healthy and InService. */
const LAUNCH_SECONDS = 180;
/** Warmup assumed when the template sets none (AWS itself would then wait the grace period, 0 s by default). */
const FALLBACK_WARMUP_SECONDS = 300;
const FLEET_SIZES = [2, 10, 50];

/** The template and policy to model: the one named on the command line, or the first in cdk.out/. */
function findPolicy(args: string[]): { templatePath: string; preferences: InstanceRefreshPreferences } {
  const [templateArg, logicalId] = args;
  if (templateArg !== undefined) {
    const templatePath = path.resolve(templateArg);
    if (!fs.existsSync(templatePath)) {
      throw new Error(`${templateArg} does not exist; pass a synthesized *.template.json, or no argument to model the default policy`);
    }
    const body = JSON.parse(fs.readFileSync(templatePath, 'utf-8'));
    return { templatePath, preferences: instanceRefreshPreferencesFromTemplate(body, logicalId) };
  }
  return { templatePath: 'a RollingAsgDeployment with default props, synthesized now', preferences: instanceRefreshPreferencesFromTemplate(defaultDeploymentTemplate()) };
}

/** The template of a deployment that sets no rollout option: the policy every user gets by default. */
function defaultDeploymentTemplate(): Record<string, any> {
  const app = new App();
  const stack = new Stack(app, 'Defaults', { env: { account: '111111111111', region: 'eu-west-1' } });
  new RollingAsgDeployment(stack, 'Web', {
    applicationName: 'web',
    environmentName: 'model',
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }),
    instanceType: new ec2.InstanceType('t3.small'),
    applicationPort: 8080,
  });
  return app.synth().getStackByName(stack.stackName).template;
}

function main(): void {
  const { templatePath, preferences } = findPolicy(process.argv.slice(2));
  const warmupSeconds = preferences.instanceWarmupSeconds ?? FALLBACK_WARMUP_SECONDS;
  const warmupOrigin = preferences.instanceWarmupSeconds === undefined ? 'assumed: the template sets none' : 'from the template';
  const rollingUpdate = { maxBatchSize: 1, minInstancesInService: 0, pauseSeconds: warmupSeconds };
  const checkpoints = preferences.checkpointPercentages.length
    ? `CheckpointPercentages ${JSON.stringify(preferences.checkpointPercentages)}, CheckpointDelay ${preferences.checkpointDelaySeconds} s`
    : 'no checkpoints';

  console.log('ROLLOUT MODEL - computed from the policy and the assumptions below, NOT measured on AWS.');
  console.log(`Template: ${fs.existsSync(templatePath) ? path.relative(process.cwd(), templatePath) : templatePath}, Auto Scaling group ${preferences.logicalId}`);
  console.log(`Instance refresh (${preferences.strategy}): MinHealthyPercentage ${preferences.minHealthyPercentage}, `
    + `MaxHealthyPercentage ${preferences.maxHealthyPercentage}, InstanceWarmup ${warmupSeconds} s (${warmupOrigin}), ${checkpoints}, `
    + `BakeTime ${preferences.bakeTimeSeconds} s, SkipMatching ${preferences.skipMatching}`);
  preferences.defaultsApplied.forEach((line) => console.log(`  default applied: ${line}`));
  console.log(`Compared with: AutoScalingRollingUpdate MaxBatchSize 1, MinInstancesInService 0, PauseTime ${warmupSeconds} s (the same warmup), `
    + 'no WaitOnResourceSignals');
  console.log('Assumptions:');
  console.log(`  - a new instance takes ${LAUNCH_SECONDS} s from launch until healthy and InService; every instance is out of date`);
  console.log('  - a refresh wave replaces what the healthy-percentage window allows and takes launch + warmup; a rolling-update batch takes launch + PauseTime');
  console.log('  - checkpoint delays and bake time are added as configured; termination, draining, API pacing, failures and rollbacks take no time');
  console.log('');
  const rows: RolloutRow[] = FLEET_SIZES.map((fleetSize) => ({
    fleetSize,
    refresh: instanceRefreshPlan(fleetSize, preferences, { launchSeconds: LAUNCH_SECONDS, warmupSeconds }),
    rollingUpdate: rollingUpdatePlan(fleetSize, rollingUpdate, { launchSeconds: LAUNCH_SECONDS }),
  }));
  process.stdout.write(renderRolloutTable(rows));
}

try {
  main();
} catch (error) {
  console.error(`rollout-table: ${(error as Error).message}`);
  process.exit(1);
}
