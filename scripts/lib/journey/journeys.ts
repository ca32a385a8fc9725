/**
 * The journeys: what a team lives through after the first deploy, each run in a world of its own.
 * Each returns its report and the facts its test asserts.
 */
import { Journey, JourneyReport, JourneyVariant } from './journey';
import { EnvironmentName } from './journey-app';
import { PipelineExecution } from './pipeline/pipeline-simulation';

/** The files a build of version `n` of the service leaves; commits that change nothing installed repeat them. */
export function service(version: number): Record<string, string> {
  return {
    'server.js': `require('http').createServer((request, response) => response.end('web ${version}')).listen(8080);\n`,
    'package.json': `{ "name": "web", "version": "1.${version}.0" }\n`,
  };
}

export interface JourneyResult {
  readonly report: JourneyReport;
  readonly facts: Record<string, unknown>;
}

export interface JourneyDefinition {
  readonly name: string;
  /** The app the journey starts from. */
  readonly variant?: JourneyVariant;
  readonly run: (journey: Journey) => Promise<Record<string, unknown>>;
}

/**
 * What a step did to dev's data volumes, from the volume each InService instance held before it:
 * for each, whether the instance was replaced (following replacements of replacements) and
 * whether its successor holds the same volume; and the volumes attached before and after.
 */
async function handover(journey: Journey, before: Record<string, string>) {
  const after = await journey.dataVolumeHolders('dev');
  return {
    successors: Object.entries(before).map(([instance, volume]) => {
      const successor = journey.successorOf('dev', instance);
      return { replaced: successor !== instance, keptVolume: after[successor] === volume };
    }),
    attachedBefore: Object.values(before).sort(),
    attachedAfter: Object.values(after).sort(),
  };
}

async function amisOf(journey: Journey, environments: EnvironmentName[]): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(environments.map(async (environment) => [environment, (await journey.ledger(environment)).ami])));
}

export const JOURNEYS: JourneyDefinition[] = [
  {
    name: 'fresh start: first release through dev, qa and prod',
    run: async (journey) => {
      const [execution] = await journey.commit('First version', { files: service(1) });
      return {
        status: execution.status,
        stages: execution.stages,
        instances: Object.fromEntries(journey.environments.map((environment) => [environment, journey.instances(environment).length])),
      };
    },
  },
  {
    name: 'dev on Graviton, qa and prod on x86_64: one bake for both architectures, each environment its own AMI',
    variant: { gravitonDev: true },
    run: async (journey) => {
      const [first] = await journey.commit('First version', { files: service(1) });
      const afterFirst = journey.report();
      const [unchanged] = await journey.commit('Update the README', { files: service(1) });
      const afterUnchanged = journey.report();
      return {
        status: [first.status, unchanged.status],
        imageKeys: Object.keys((journey.bakeOutput(first) as any).images).sort(),
        firstBuilds: (journey.bakeOutput(first) as any).builds.map((build: any) => `${build.architecture} ${build.reuse.decision}`),
        unchangedBuilds: (journey.bakeOutput(unchanged) as any).builds.map((build: any) => `${build.architecture} ${build.reuse.decision}`),
        unchanged: { builds: afterUnchanged.builds - afterFirst.builds, replacements: diff(afterUnchanged.replacements, afterFirst.replacements) },
      };
    },
  },
  {
    name: 'dev moves from x86_64 to Graviton: a failed move restores it, the next release moves it, a return moves it back, qa and prod stay on x86_64',
    run: async (journey) => {
      // How each environment runs now: its instances as EC2 describes them, and what its ledger records.
      const state = async () => Object.fromEntries(await Promise.all((['dev', 'qa', 'prod'] as const).map(async (environment) => {
        const running = await journey.runningInstances(environment);
        return [environment, {
          ids: running.map((instance) => instance.id),
          instanceTypes: [...new Set(running.map((instance) => instance.instanceType))],
          amis: [...new Set(running.map((instance) => instance.ami))],
          architectures: [...new Set(running.map((instance) => instance.architecture))],
          ledger: { ami: (await journey.ledger(environment)).ami, ...await journey.ledgerInstanceType(environment) },
        }];
      })));
      const steps = (report: JourneyReport, since: JourneyReport) => ({
        builds: report.builds - since.builds,
        replacements: diff(report.replacements, since.replacements),
        rolledBack: diff(report.rolledBack, since.rolledBack),
      });
      const builds = (execution: PipelineExecution) => ((journey.bakeOutput(execution) as any)?.builds ?? [])
        .map((build: any) => `${build.architecture} ${build.reuse.decision}`);

      await journey.commit('Version 1', { files: service(1) });
      const released = await state();
      const beforeMove = journey.report();
      await journey.moveDevToGraviton();
      const moved = await state();
      const afterMove = journey.report();
      // Version 2 trips dev's alarm on Graviton: the release restores the ledger, and the stack the x86_64 instances.
      const failed = await journey.commit('Version 2', { files: service(2), breaks: ['dev'] });
      const restored = await state();
      const afterFailure = journey.report();
      const rollback = journey.world.pipeline.executions.find((execution) => execution.trigger === 'Rollback');
      // Back to version 1, which changes nothing installed for qa and prod: only dev moves.
      const [move] = await journey.commit('Back to version 1', { files: service(1) });
      const graviton = await state();
      const afterGraviton = journey.report();
      // A return to the previous release (version 1 on x86_64, before the move) moves dev back with the ledger.
      const returned = await journey.returnToPrevious('dev');
      const back = await state();
      return {
        released,
        moved,
        deploy: steps(afterMove, beforeMove),
        failed: failed.map(({ trigger, status, stages, failure }) => ({ trigger, status, stages, failure })),
        failedBuilds: builds(failed[0]),
        rollback: rollback && { status: rollback.status, stages: rollback.stages, revision: rollback.revision, failure: rollback.failure },
        restored,
        failure: steps(afterFailure, afterMove),
        move: { status: move.status, stages: move.stages, builds: builds(move) },
        graviton,
        release: steps(afterGraviton, afterFailure),
        returned: { status: returned.status, error: returned.error },
        back,
        return: steps(journey.report(), afterGraviton),
      };
    },
  },
  {
    name: 'ten commits, six of which change nothing installed',
    run: async (journey) => {
      const versions = [1, 1, 2, 2, 2, 3, 3, 4, 4, 4];
      const statuses: string[] = [];
      for (const [index, version] of versions.entries()) {
        const executions = await journey.commit(`Commit ${index + 1}`, { files: service(version) });
        statuses.push(...executions.map((execution) => execution.status));
      }
      return { statuses };
    },
  },
  {
    name: 'an environment in a new account after three releases, then an unchanged commit',
    run: async (journey) => {
      for (const version of [1, 2, 3]) await journey.commit(`Version ${version}`, { files: service(version) });
      await journey.addStaging();
      const [execution] = await journey.commit('Update the README', { files: service(3) });
      return { status: execution.status, failure: execution.failure, staging: journey.instances('staging').length, bake: journey.bakeOutput(execution) };
    },
  },
  {
    name: 'weekly patch runs: unchanged parent image, then a newer one',
    run: async (journey) => {
      await journey.commit('Version 1', { files: service(1) });
      const before = { ...journey.report() };
      const unchanged = await journey.patchRun();
      const afterUnchanged = journey.report();
      journey.publishParentImage('2027.1.11');
      const patched = await journey.patchRun();
      return {
        unchangedOutcome: (unchanged.workflow.output as any)?.outcome,
        unchanged: {
          builds: afterUnchanged.builds - before.builds,
          replacements: diff(afterUnchanged.replacements, before.replacements),
          approvals: diff(afterUnchanged.approvals, before.approvals),
        },
        patched: {
          status: patched.executions.map((execution) => execution.status),
          builds: journey.report().builds - afterUnchanged.builds,
          replacements: diff(journey.report().replacements, afterUnchanged.replacements),
          approvals: diff(journey.report().approvals, afterUnchanged.approvals),
        },
      };
    },
  },
  {
    name: 'a patch run after a failed commit rebuilds what runs',
    run: async (journey) => {
      await journey.commit('Version 1', { files: service(1) });
      const [failed] = await journey.commit('Version 2, broken in qa', { files: service(2), breaks: ['qa'] });
      journey.publishParentImage('2027.1.11');
      const patched = await journey.patchRun();
      return {
        failedStatus: failed.status,
        patchedRevisions: patched.executions.map((execution) => execution.revision),
        firstRevision: journey.world.pipeline.repository[0].id,
        prodCommit: (await journey.ledger('prod'))['commit-id'],
      };
    },
  },
  {
    name: 'a release that trips qa\'s alarm',
    run: async (journey) => {
      await journey.commit('Version 1', { files: service(1) });
      const good = await amisOf(journey, ['dev', 'qa', 'prod']);
      const executions = await journey.commit('Version 2, broken in qa', { files: service(2), breaks: ['qa'] });
      const rollback = journey.world.pipeline.executions.find((execution) => execution.trigger === 'Rollback');
      return {
        executions: executions.map((execution) => ({ trigger: execution.trigger, status: execution.status, stages: execution.stages })),
        rollback: rollback && { trigger: rollback.trigger, status: rollback.status, stages: rollback.stages, revision: rollback.revision },
        firstRevision: journey.world.pipeline.repository[0].id,
        good,
        after: await amisOf(journey, ['dev', 'qa', 'prod']),
        qaRunning: [...new Set(journey.instances('qa').map((instance) => instance.ami))],
        qaStack: journey.stack('qa').status,
      };
    },
  },
  {
    name: 'a build with a HIGH finding: dev and qa release it, prod refuses it before changing anything',
    run: async (journey) => {
      await journey.commit('Version 1', { files: service(1) });
      const good = await amisOf(journey, ['dev', 'qa', 'prod']);
      journey.world.imageBuilder.findingsOfNextBuilds = [
        { vulnerabilityId: 'CVE-2026-31337', severity: 'HIGH' }, { vulnerabilityId: 'CVE-2026-4242', severity: 'MEDIUM' }, { vulnerabilityId: 'CVE-2026-7', severity: 'LOW' },
      ];
      const approvals: Record<string, string> = {};
      // The first of each stage: the stage rollback asks prod's approver again, with version 1's variables.
      journey.world.pipeline.approver = (stage, summary) => {
        approvals[stage] ??= summary;
        return true;
      };
      const [execution] = await journey.commit('Version 2, with a vulnerable package', { files: service(2) });
      return {
        status: execution.status,
        stages: execution.stages,
        failure: execution.failure,
        findings: (journey.bakeOutput(execution) as any).findingsSummary,
        prodApproval: approvals.prod,
        good,
        after: await amisOf(journey, ['dev', 'qa', 'prod']),
      };
    },
  },
  {
    name: 'return to the previous release after 120 days of lifecycle runs, twice in a row',
    run: async (journey) => {
      await journey.commit('Version 1', { files: service(1) });
      const first = await amisOf(journey, ['prod']);
      await journey.commit('Version 2', { files: service(2) });
      const second = await amisOf(journey, ['prod']);
      await journey.passDays(120);
      const once = await journey.returnToPrevious('prod');
      const afterOnce = await amisOf(journey, ['prod']);
      const twice = await journey.returnToPrevious('prod');
      const afterTwice = await amisOf(journey, ['prod']);
      return {
        first: first.prod,
        second: second.prod,
        once: { status: once.status, error: once.error, cause: once.cause, ami: afterOnce.prod },
        twice: { status: twice.status, error: twice.error, cause: twice.cause, ami: afterTwice.prod },
      };
    },
  },
  {
    name: 'old images retire once no environment holds them',
    run: async (journey) => {
      const held = async () => (await Promise.all(journey.environments.flatMap((environment) => ['current-release', 'previous-release']
        .map(async (label) => (await journey.ledger(environment, label)).ami)))).filter((ami) => ami !== 'absent');
      for (const version of [1, 2, 3]) await journey.commit(`Version ${version}`, { files: service(version) });
      // Version 1 is held by no environment now; versions 2 and 3 are previous and current.
      await journey.passDays(110);
      await journey.commit('Version 4', { files: service(4) });
      await journey.passDays(10);
      const holding = new Set(await held());
      const copies = journey.world.imageBuilder.images
        .flatMap((image) => image.amis.map((ami) => ({ ...ami, image: image.arn, ami: ami.image, status: image.status })));
      const withExistence = await Promise.all(copies.map(async (copy) => ({
        ...copy, exists: await journey.amiRegistered(copy.accountId, copy.region, copy.ami),
      })));
      return {
        held: withExistence.filter((copy) => holding.has(copy.ami)),
        retired: withExistence.filter((copy) => !holding.has(copy.ami) && [1, 2].includes(journey.versionOf(copy.image))),
        orphans: withExistence.filter((copy) => copy.exists && copy.status === 'DELETED' && !holding.has(copy.ami)),
        buildRecipesLeft: [...journey.world.imageBuilder.recipes.values()].filter((recipe) => /-[0-9a-f-]{36}$/.test(recipe.name)).length,
      };
    },
  },
  {
    name: 'a stateful dev: releases, a failed release, scaling and taints hand each data volume on',
    variant: { statefulDev: true },
    run: async (journey) => {
      const holders = () => journey.dataVolumeHolders('dev');
      const launches = () => ({ ...journey.world.launchHooks.counts });
      await journey.commit('Version 1', { files: service(1) });
      const first = { volumes: await journey.dataVolumes('dev'), snapshots: await journey.dataSnapshots('dev') };
      const beforeRelease = await holders();
      const [release] = await journey.commit('Version 2', { files: service(2) });
      const released = { status: release.status, handover: await handover(journey, beforeRelease), snapshots: await journey.dataSnapshots('dev') };
      const beforeFailure = await holders();
      const [failure] = await journey.commit('Version 3, broken in dev', { files: service(3), breaks: ['dev'] });
      const failed = {
        status: failure.status,
        stack: journey.stack('dev').status,
        handover: await handover(journey, beforeFailure),
        volumes: await journey.dataVolumes('dev'),
        running: journey.instances('dev').map((instance) => instance.id),
      };
      await journey.setDesiredCapacity('dev', 3);
      const scaledOut = await journey.dataVolumes('dev');
      const beforeScaleIn = await holders();
      await journey.setDesiredCapacity('dev', 2);
      const scaledIn = { volumes: await journey.dataVolumes('dev'), left: Object.keys(beforeScaleIn).find((id) => !journey.instances('dev').some((instance) => instance.id === id)) };
      await journey.setDesiredCapacity('dev', 3);
      const scaledOutAgain = await journey.dataVolumes('dev');
      const beforeTaint = await holders();
      const taint = await journey.runCommandOnEvery('dev');
      const tainted = { status: taint.status, handover: await handover(journey, beforeTaint) };
      // An operator removes the instance holding slot 1: slot 1 stays behind, used, while slots 2 and 3 hold the current data.
      const slotOne = (await journey.dataVolumes('dev')).find((volume) => volume.slot === 1)!;
      await journey.terminateAndScaleIn('dev', slotOne.attachedTo!);
      const beforeLaterRelease = await holders();
      const [later] = await journey.commit('Version 4', { files: service(4) });
      const releasedAfterScaleIn = { status: later.status, handover: await handover(journey, beforeLaterRelease), volumes: await journey.dataVolumes('dev') };
      return {
        first,
        released,
        failed,
        scaledOut,
        scaledIn,
        scaledOutAgain,
        tainted,
        releasedAfterScaleIn,
        instances: journey.instances('dev').length,
        launches: launches(),
        counts: journey.stack('dev').counts,
      };
    },
  },
  {
    name: 'dev gets data volumes after its first release',
    run: async (journey) => {
      await journey.commit('Version 1', { files: service(1) });
      const broken = await journey.makeDevStateful();
      const afterDeploy = { holders: await journey.dataVolumeHolders('dev'), replaced: journey.stack('dev').counts.replaced };
      const [release] = await journey.commit('Version 2', { files: service(2) });
      return { broken, afterDeploy, release: { status: release.status, holders: await journey.dataVolumeHolders('dev') } };
    },
  },
  {
    name: 'a break-glass session on a prod instance, then a Run Command on every qa instance',
    run: async (journey) => {
      await journey.commit('Version 1', { files: service(1) });
      const before = { prod: journey.instances('prod').map((instance) => instance.id), qa: journey.instances('qa').map((instance) => instance.id), report: journey.report() };
      const session = await journey.breakGlassSession('prod');
      // qa has no break-glass role: its instances are replaced all the same.
      const command = await journey.runCommandOnEvery('qa');
      const after = { prod: journey.instances('prod').map((instance) => instance.id), qa: journey.instances('qa').map((instance) => instance.id) };
      return {
        status: { session: session.status, command: command.status },
        tainted: before.prod[0],
        prodInstances: after.prod,
        prodStillThere: after.prod.filter((id) => before.prod.includes(id)),
        qaBefore: before.qa,
        qaInstances: after.qa,
        taintReplaced: { prod: journey.stack('prod').counts.taintReplaced, qa: journey.stack('qa').counts.taintReplaced, dev: journey.stack('dev').counts.taintReplaced },
        otherReplacements: diff(journey.report().replacements, before.report.replacements),
      };
    },
  },
];

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));
}

export async function runJourney(definition: JourneyDefinition): Promise<JourneyResult> {
  const journey = await Journey.start(definition.name, definition.variant);
  try {
    const facts = await definition.run(journey);
    return { report: journey.report(), facts };
  } finally {
    await journey.stop();
  }
}
