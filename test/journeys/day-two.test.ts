import { journey } from '../helpers/journeys';

describe('journeys: new accounts, patch runs and returns', () => {
  test('an environment in a new account added after three releases gets the image of an unchanged commit', async () => {
    const { report, facts } = await journey('an environment in a new account after three releases, then an unchanged commit') as any;
    expect(facts).toMatchObject({ status: 'Succeeded', staging: 2 });
    expect(facts.bake.builds).toMatchObject([{ architecture: 'x86_64', reused: false, reuse: { decision: 'REBUILT_FOR_MISSING_COPIES', missing: ['111111111111/eu-central-1', '444444444444/eu-central-1'] } }]);
    // The rebuild is a new AMI for every environment: one more replacement each, the first release in staging.
    expect(report).toMatchObject({ builds: 4, replacements: { dev: 6, qa: 6, staging: 0, prod: 6 } });
  });

  test('the weekly patch run with an unchanged parent image builds, replaces and asks nothing; with a newer one it builds once and replaces each environment once, after its approval', async () => {
    const { report, facts } = await journey('weekly patch runs: unchanged parent image, then a newer one') as any;
    expect(report).toMatchObject({ builds: 2, pipelineExecutions: 2 });
    expect(facts.unchangedOutcome).toBe('NOTHING_NEW');
    expect(facts.unchanged).toEqual({ builds: 0, replacements: { dev: 0, qa: 0, prod: 0 }, approvals: { dev: 0, qa: 0, prod: 0 } });
    expect(facts.patched).toEqual({ status: ['Succeeded'], builds: 1, replacements: { dev: 2, qa: 2, prod: 2 }, approvals: { dev: 0, qa: 1, prod: 1 } });
  });

  test('a patch run after a failed commit rebuilds the revision that runs, not the failed one', async () => {
    const { report, facts } = await journey('a patch run after a failed commit rebuilds what runs') as any;
    // Version 1, version 2 (broken in qa), then version 1 on the newer parent image.
    expect(report).toMatchObject({ builds: 3, replacements: { dev: 4, qa: 3, prod: 2 }, rolledBack: { dev: 0, qa: 1, prod: 0 } });
    expect(facts.failedStatus).toBe('Failed');
    expect(facts.patchedRevisions).toEqual([facts.firstRevision]);
    expect(facts.prodCommit).toBe(facts.firstRevision);
  });

  test('returning to the previous release works after 120 days of lifecycle runs, twice in a row', async () => {
    const { report, facts } = await journey('return to the previous release after 120 days of lifecycle runs, twice in a row') as any;
    // Two releases, then two returns: prod is replaced three times, nothing is built again.
    expect(report).toMatchObject({ builds: 2, replacements: { dev: 2, qa: 2, prod: 6 }, approvals: { dev: 0, qa: 2, prod: 2 } });
    expect(facts.once).toMatchObject({ status: 'SUCCEEDED', ami: facts.first });
    expect(facts.twice).toMatchObject({ status: 'SUCCEEDED', ami: facts.second });
  });

  test('old images retire once no environment runs them or holds them as previous, in every account and region, and never before', async () => {
    const { report, facts } = await journey('old images retire once no environment holds them') as any;
    expect(report).toMatchObject({ builds: 4, replacements: { dev: 6, qa: 6, prod: 6 } });
    expect(facts.held.every((ami: any) => ami.exists)).toBe(true);
    expect(facts.retired.every((ami: any) => !ami.exists)).toBe(true);
    expect(facts.retired.length).toBeGreaterThan(0);
    expect(facts.orphans).toEqual([]);
    expect(facts.buildRecipesLeft).toBe(0);
  });
});
