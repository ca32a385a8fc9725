import { Outcome } from '../../../src/cli/teardown/deletion';
import { LeftAlone, Leftover, LeftoverKind, SearchFailure } from '../../../src/cli/teardown/leftover';
import { anythingLeft, renderReport } from '../../../src/cli/teardown/report';
import { TeardownResult } from '../../../src/cli/teardown/teardown';
import { BUILD, WORKLOAD } from '../../helpers/teardown-accounts';

function leftover(kind: LeftoverKind, id: string, location = BUILD): Leftover {
  return { kind, location, id, foundBy: 'tag immutable-servers:application=web', remove: async () => undefined };
}

function result(outcomes: Outcome[],
  options: { delete?: boolean; failures?: SearchFailure[]; deployed?: TeardownResult['deployed']; leftAlone?: LeftAlone[] } = {}): TeardownResult {
  return {
    request: { assemblyDirectory: 'cdk.out', applications: ['web'], delete: options.delete ?? true, keyPendingWindowDays: 30 },
    footprint: { stacks: [], imageGroups: [], ledgerParameters: [], applications: ['web'], locations: [BUILD, WORKLOAD] },
    deployed: options.deployed ?? [],
    outcomes,
    leftAlone: options.leftAlone ?? [],
    failures: options.failures ?? [],
  };
}

describe('renderReport', () => {
  test('given outcomes in two locations, then the summary counts each account, region and kind in deletion order, and totals them', () => {
    const report = renderReport(result([
      { leftover: leftover(LeftoverKind.SNAPSHOT, 'snap-1', WORKLOAD), status: 'failed', note: 'InvalidSnapshot.InUse: in use' },
      { leftover: leftover(LeftoverKind.AMI, 'ami-1', WORKLOAD), status: 'deleted' },
      { leftover: leftover(LeftoverKind.AMI, 'ami-2'), status: 'deleted' },
    ]));

    const build = `${BUILD.account}/${BUILD.region}`;
    const workload = `${WORKLOAD.account}/${WORKLOAD.region}`;
    expect(report).toContain([
      'Summary:',
      '  account/region          kind          found  deleted  left',
      `  ${build}  AMI               1        1     0`,
      `  ${workload}  AMI               1        1     0`,
      `  ${workload}  EBS snapshot      1        0     1`,
      '  total                                     3        2     1',
    ].join('\n'));
  });

  test('given a deletion that failed, then the report names the resource and the cause, and says to remove the cause and run again', () => {
    const report = renderReport(result([{ leftover: leftover(LeftoverKind.SNAPSHOT, 'snap-1'), status: 'failed', note: 'InvalidSnapshot.InUse: snap-1 is in use by ami-9' }]));

    expect(report).toContain('snap-1  (tag immutable-servers:application=web)  -> FAILED: InvalidSnapshot.InUse: snap-1 is in use by ami-9');
    expect(report).toContain('1 could not be deleted: remove the causes named above, then run npx cdk-immutable-servers teardown web --app cdk.out --delete --confirm web again.');
  });

  test('given a dry run with the stacks deployed and Image Builder leftovers, then the next steps are: delete those, cdk destroy --all, delete the rest', () => {
    const report = renderReport(result([
      { leftover: leftover(LeftoverKind.IMAGE_BUILDER_IMAGE, 'arn:image'), status: 'listed' },
      { leftover: leftover(LeftoverKind.AMI, 'ami-1'), status: 'listed' },
    ], { delete: false, deployed: [{ name: 'WebPipeline', status: 'UPDATE_COMPLETE', location: BUILD }] }));

    const next = report.slice(report.indexOf('Next:'));
    expect(next.split('\n').filter((line) => line.startsWith('  - '))).toEqual([
      '  - Delete Image Builder\'s leftovers first, which could stop CloudFormation deleting the recipe: npx cdk-immutable-servers teardown web --app cdk.out --delete --confirm web',
      '  - Destroy the stacks: npx cdk destroy --all, with the context the app was deployed with.',
      '  - Then delete what waits for them: npx cdk-immutable-servers teardown web --app cdk.out --delete --confirm web',
    ]);
    expect(report).toContain(`Stacks still deployed (cdk destroy --all deletes them):\n  ${BUILD.account}/${BUILD.region}  WebPipeline  UPDATE_COMPLETE`);
  });

  test('given a search that could not run, then the report names where, what and why', () => {
    const report = renderReport(result([], { failures: [{ location: WORKLOAD, search: 'AMIs of web', cause: 'UnauthorizedOperation: not authorized' }] }));

    expect(report).toContain(`  ${WORKLOAD.account}/${WORKLOAD.region}  AMIs of web: UnauthorizedOperation: not authorized`);
  });

  test('given what is left alone, then the report lists it apart, with why it is not the library\'s, and nothing is left for it', () => {
    const given = result([], { leftAlone: [{ kind: LeftoverKind.BUCKET, location: BUILD, id: 'data', why: 'retained by stack WebPipeline, not made by cdk-immutable-servers' }] });

    expect(renderReport(given)).toContain('Left alone, not made by cdk-immutable-servers (yours, or no longer ours; never deleted):\n'
      + `  ${BUILD.account}/${BUILD.region}  S3 bucket  data  (retained by stack WebPipeline, not made by cdk-immutable-servers)`);
    expect(anythingLeft(given)).toBe(false);
  });
});

describe('anythingLeft', () => {
  test.each([
    ['nothing found', false, result([])],
    ['everything deleted', false, result([{ leftover: leftover(LeftoverKind.AMI, 'ami-1'), status: 'deleted' }])],
    ['a dry run that found something', true, result([{ leftover: leftover(LeftoverKind.AMI, 'ami-1'), status: 'listed' }], { delete: false })],
    ['a leftover kept', true, result([{ leftover: leftover(LeftoverKind.AMI, 'ami-1'), status: 'kept', note: 'waits' }])],
    ['a search that could not run', true, result([], { failures: [{ location: BUILD, search: 'everything', cause: 'no credentials' }] })],
    ['a stack still deployed', true, result([], { deployed: [{ name: 'WebPipeline', status: 'CREATE_COMPLETE', location: BUILD }] })],
  ])('given %s, then whether something is left is %s', (_, left, given) => {
    expect(anythingLeft(given)).toBe(left);
  });
});
