import { journey } from '../helpers/journeys';

describe('journeys: releases over time', () => {
  test('a fresh start releases through dev, qa and prod in three accounts and two regions, with one build and no replacement', async () => {
    const { report, facts } = await journey('fresh start: first release through dev, qa and prod');
    expect(facts.status).toBe('Succeeded');
    expect(facts.instances).toEqual({ dev: 2, qa: 2, prod: 2 });
    expect(report).toMatchObject({ builds: 1, replacements: { dev: 0, qa: 0, prod: 0 }, approvals: { dev: 0, qa: 1, prod: 1 }, violations: [] });
  });

  test('dev on Graviton, qa and prod on x86_64: a bake builds both images, each environment runs the AMI of its architecture, and an unchanged commit builds and replaces nothing', async () => {
    const { report, facts } = await journey('dev on Graviton, qa and prod on x86_64: one bake for both architectures, each environment its own AMI') as any;
    // The journey's invariants also check, after every step, that each environment runs an AMI of its instance type's architecture.
    expect(facts.status).toEqual(['Succeeded', 'Succeeded']);
    expect(facts.imageKeys).toEqual(expect.arrayContaining(['111111111111/eu-west-1/arm64', '222222222222/eu-west-1/x86_64', '333333333333/us-east-1/x86_64']));
    expect(facts.imageKeys).not.toContain('222222222222/eu-west-1/arm64');
    expect(facts.firstBuilds).toEqual(['x86_64 BUILT_NO_IMAGE', 'arm64 BUILT_NO_IMAGE']);
    expect(facts.unchangedBuilds).toEqual(['x86_64 REUSED', 'arm64 REUSED']);
    expect(facts.unchanged).toEqual({ builds: 0, replacements: { dev: 0, qa: 0, prod: 0 } });
    expect(report).toMatchObject({ builds: 2, violations: [] });
  });

  test('dev moves from x86_64 to Graviton: the deploy replaces nothing, a release that fails restores t3.small and the x86_64 AMI, '
    + 'the next moves every dev instance to t4g.small with the arm64 AMI, a return to the previous release moves them back, qa and prod stay on x86_64', async () => {
    const { report, facts } = await journey('dev moves from x86_64 to Graviton: a failed move restores it, the next release moves it, '
      + 'a return moves it back, qa and prod stay on x86_64') as any;
    // The journey's invariants also check, after every step, that each instance (as EC2 describes it) runs an AMI of its instance
    // type's architecture, and that each ledger records the architecture of the AMI it names.
    const x86 = (state: any) => ({ instanceTypes: ['t3.small'], architectures: ['x86_64'], amis: [state.ledger.ami], ledger: { instanceType: 't3.small', architecture: 'x86_64' } });
    for (const environment of ['dev', 'qa', 'prod']) expect(facts.released[environment]).toMatchObject(x86(facts.released[environment]));

    // The deploy of t4g.small and the arm64 recipe: the ledger still names the x86_64 AMI, so dev keeps its t3.small instances.
    expect(facts.deploy).toEqual({ builds: 0, replacements: { dev: 0, qa: 0, prod: 0 }, rolledBack: { dev: 0, qa: 0, prod: 0 } });
    expect(facts.moved).toEqual(facts.released);

    // Version 2 trips dev's alarm on its first t4g.small instance: the release restores the ledger, the stack t3.small and the x86_64 AMI.
    expect(facts.failedBuilds).toEqual(['x86_64 BUILT_NO_IMAGE', 'arm64 BUILT_NO_IMAGE']);
    expect(facts.failed).toMatchObject([{ trigger: 'Push', status: 'Failed', stages: { dev: 'Failed' } }]);
    expect(facts.failed[0].failure).toMatch(/ReleaseRolledBack: .*alarm .*5xx-rate is in ALARM The ledger is restored to /);
    expect(facts.failure).toEqual({ builds: 2, replacements: { dev: 1, qa: 0, prod: 0 }, rolledBack: { dev: 1, qa: 0, prod: 0 } });
    expect(facts.restored.dev).toMatchObject({ ...x86(facts.released.dev), ledger: facts.released.dev.ledger });
    expect(facts.restored.qa).toEqual(facts.released.qa);
    expect(facts.restored.prod).toEqual(facts.released.prod);
    // CodePipeline's stage rollback then releases version 1's execution into dev again; its manifest, baked before the move,
    // has no arm64 AMI, so it fails without changing anything (the release above already restored dev).
    expect(facts.rollback).toMatchObject({ status: 'Failed', stages: { dev: 'Failed' } });
    expect(facts.rollback.failure).toMatch(/^stage dev, action Release: ImageNotInManifest: .*"111111111111\/eu-west-1\/arm64".* Nothing was released\.$/);

    // Back to version 1: the x86_64 image is reused, the arm64 one built; dev moves, qa and prod (nothing new installed) are not touched.
    expect(facts.move).toEqual({ status: 'Succeeded', stages: expect.objectContaining({ dev: 'Succeeded', qa: 'Succeeded', prod: 'Succeeded' }), builds: ['x86_64 REUSED', 'arm64 BUILT_NO_IMAGE'] });
    expect(facts.release).toEqual({ builds: 1, replacements: { dev: 2, qa: 0, prod: 0 }, rolledBack: { dev: 0, qa: 0, prod: 0 } });
    expect(facts.graviton.dev).toMatchObject({ instanceTypes: ['t4g.small'], architectures: ['arm64'], amis: [facts.graviton.dev.ledger.ami], ledger: { instanceType: 't4g.small', architecture: 'arm64' } });
    expect(facts.graviton.dev.ids.filter((id: string) => facts.restored.dev.ids.includes(id))).toEqual([]);
    expect(facts.graviton.qa).toEqual(facts.released.qa);
    expect(facts.graviton.prod).toEqual(facts.released.prod);

    // A return to the previous release (version 1 before the move) puts t3.small and the x86_64 AMI back, with the ledger.
    expect(facts.returned).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(facts.return).toEqual({ builds: 0, replacements: { dev: 2, qa: 0, prod: 0 }, rolledBack: { dev: 0, qa: 0, prod: 0 } });
    expect(facts.back.dev).toMatchObject({ ...x86(facts.back.dev), ledger: facts.released.dev.ledger });
    expect(facts.back.qa).toEqual(facts.released.qa);
    expect(facts.back.prod).toEqual(facts.released.prod);
    expect(report).toMatchObject({ builds: 4, violations: [] });
  });

  test('ten commits of which six change nothing installed: four builds, and each environment replaced once per AMI it receives after the first', async () => {
    const { report, facts } = await journey('ten commits, six of which change nothing installed');
    expect(facts.statuses).toEqual(Array(10).fill('Succeeded'));
    // Two instances per environment, three new AMIs after the first.
    expect(report).toMatchObject({ builds: 4, replacements: { dev: 6, qa: 6, prod: 6 }, rolledBack: { dev: 0, qa: 0, prod: 0 } });
  });

  test('a release that trips qa\'s alarm: qa rolled back to the previous AMI and ledger, the stage rollback releases the previous execution again', async () => {
    const { report, facts } = await journey('a release that trips qa\'s alarm') as any;
    expect(facts.executions[0]).toMatchObject({ trigger: 'Push', status: 'Failed', stages: { dev: 'Succeeded', qa: 'Failed' } });
    expect(facts.qaStack).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(facts.after.qa).toBe(facts.good.qa);
    expect(facts.qaRunning).toEqual([facts.good.qa]);
    expect(facts.after.dev).not.toBe(facts.good.dev);
    expect(facts.after.prod).toBe(facts.good.prod);
    expect(facts.rollback).toMatchObject({ trigger: 'Rollback', status: 'Succeeded', stages: { qa: 'Succeeded' } });
    // One qa instance went to the bad AMI and came back; prod was never touched.
    expect(report).toMatchObject({ replacements: { dev: 2, qa: 1, prod: 0 }, rolledBack: { dev: 0, qa: 1, prod: 0 } });
  });

  test('a break-glass session taints and replaces the instance it touched; a Run Command on every qa instance, where no break-glass is configured, replaces each; nothing else is touched', async () => {
    const { report, facts } = await journey('a break-glass session on a prod instance, then a Run Command on every qa instance') as any;
    expect(report).toMatchObject({ builds: 1, replacements: { dev: 0, qa: 0, prod: 0 }, approvals: { dev: 0, qa: 1, prod: 1 }, violations: [] });
    expect(facts.status).toEqual({ session: 'SUCCEEDED', command: 'SUCCEEDED' });
    expect(facts.prodInstances).toHaveLength(2);
    expect(facts.prodInstances).not.toContain(facts.tainted);
    expect(facts.prodStillThere).toHaveLength(1);
    expect(facts.qaBefore).toHaveLength(2);
    expect(facts.qaInstances).toHaveLength(2);
    expect(facts.qaInstances.filter((id: string) => facts.qaBefore.includes(id))).toEqual([]);
    expect(facts.taintReplaced).toEqual({ prod: 1, qa: 2, dev: 0 });
    expect(facts.otherReplacements).toEqual({ dev: 0, qa: 0, prod: 0 });
  });

  test('a build with a HIGH finding: dev and qa release it, the prod approval tells the findings and prod\'s policy, and prod\'s release refuses it before changing anything', async () => {
    const { report, facts } = await journey('a build with a HIGH finding: dev and qa release it, prod refuses it before changing anything') as any;
    expect(facts.status).toBe('Failed');
    expect(facts.stages).toMatchObject({ dev: 'Succeeded', qa: 'Succeeded', prod: 'Failed' });
    expect(facts.failure).toMatch(new RegExp('^stage prod, action Release: ImageHasFindings: Nothing was released: image ami-\\w+ '
      + 'has 1 finding at or above HIGH that prod does not accept: CVE-2026-31337 \\(HIGH\\)\\.'));
    expect(facts.findings).toBe('x86_64: 0 critical, 1 high, 1 medium, 3 in all');
    expect(facts.prodApproval).toContain('Image findings: x86_64: 0 critical, 1 high, 1 medium, 3 in all. prod refuses findings at or above HIGH.');
    expect(facts.after.prod).toBe(facts.good.prod);
    expect(facts.after.dev).not.toBe(facts.good.dev);
    expect(facts.after.qa).not.toBe(facts.good.qa);
    // dev and qa replaced their two instances; prod none, and its stage's rollback released the AMI it runs.
    expect(report).toMatchObject({ builds: 2, replacements: { dev: 2, qa: 2, prod: 0 }, violations: [] });
  });
});
