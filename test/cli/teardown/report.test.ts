import { Outcome } from '../../../src/cli/teardown/deletion';
import { LeftAlone, Leftover, LeftoverKind, SearchFailure } from '../../../src/cli/teardown/leftover';
import { anythingLeft, renderReport } from '../../../src/cli/teardown/report';
import { TeardownResult } from '../../../src/cli/teardown/teardown';
import { BUILD, WORKLOAD } from '../../helpers/teardown-accounts';

function leftover(kind: LeftoverKind, id: string, location = BUILD): Leftover {
  return { kind, location, id, foundBy: 'tag immutable-servers:application=web', remove: async () => undefined };
}

function data(kind: LeftoverKind.DATA_VOLUME | LeftoverKind.DATA_SNAPSHOT, id: string, keptBecause?: string): Leftover {
  return { kind, location: WORKLOAD, id, foundBy: 'tags immutable-servers:data-volume-of=Web-prod', isData: true, sizeGiB: 20, keptBecause, remove: async () => undefined };
}

function result(outcomes: Outcome[],
  options: { delete?: boolean; deleteData?: boolean; failures?: SearchFailure[]; deployed?: TeardownResult['deployed']; leftAlone?: LeftAlone[] } = {}): TeardownResult {
  return {
    request: { assemblyDirectory: 'cdk.out', applications: ['web'], delete: options.delete ?? true, deleteData: options.deleteData, keyPendingWindowDays: 30 },
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

  test('given --delete and no data found, then the headline says deleting and nothing of data', () => {
    expect(renderReport(result([{ leftover: leftover(LeftoverKind.AMI, 'ami-1'), status: 'deleted' }]))).toMatch(/^Teardown of web from cdk\.out: deleting\.\n/);
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

describe('renderReport of data', () => {
  const spared = (kept: Leftover): Outcome => ({ leftover: kept, status: 'spared', note: 'data: kept unless you pass --delete-data' });

  test('given data kept by a plain --delete and nothing else, then each is listed as kept, counted apart, and the next step says how to delete it, or keep it', () => {
    const report = renderReport(result([spared(data(LeftoverKind.DATA_VOLUME, 'vol-1')), spared(data(LeftoverKind.DATA_VOLUME, 'vol-2')),
      spared(data(LeftoverKind.DATA_SNAPSHOT, 'snap-1'))]));

    expect(report).toContain('deleting, but no data (data volumes and their snapshots are kept)');
    expect(report).toContain('    vol-1  (tags immutable-servers:data-volume-of=Web-prod)  -> data: kept unless you pass --delete-data\n');
    expect(report).toContain([
      '  account/region          kind                           found  deleted  data kept  left',
      `  ${WORKLOAD.account}/${WORKLOAD.region}  EBS data volume                    2        0          2     0`,
    ].join('\n'));
    const next = report.slice(report.indexOf('Next:')).split('\n').filter((line) => line.startsWith('  - '));
    expect(next).toEqual([
      '  - Your data is kept: 2 data volumes (40 GiB) and 1 snapshot releases took of them, listed above. Copy what you need, then delete it with '
        + 'npx cdk-immutable-servers teardown web --app cdk.out --delete --confirm web --delete-data (attached volumes are never deleted), or keep it: '
        + 'it does not count as left, and costs what EBS charges for it.',
      '  - Nothing else of web is left that the command looks for. What it does not look for is in the README, "Tear an application down".',
    ]);
  });

  test('given a dry run, then data is listed as kept unless --delete-data, an attached volume saying so', () => {
    const report = renderReport(result([{
      leftover: data(LeftoverKind.DATA_VOLUME, 'vol-1', 'vol-1 is in-use, attached to i-1'),
      status: 'spared',
      note: 'data: kept unless you pass --delete-data; vol-1 is in-use, attached to i-1',
    }], { delete: false }));

    expect(report).toContain('vol-1  (tags immutable-servers:data-volume-of=Web-prod)  -> data: kept unless you pass --delete-data; vol-1 is in-use, attached to i-1');
  });

  test('given --delete-data and an attached volume kept, then the report says to detach it and run again, and something is left', () => {
    const volume = data(LeftoverKind.DATA_VOLUME, 'vol-1', 'vol-1 is in-use, attached to i-1');
    const given = result([{ leftover: volume, status: 'kept', note: volume.keptBecause }], { deleteData: true });

    const report = renderReport(given);

    expect(report).toContain('deleting, data volumes and their snapshots too');
    expect(report).toContain('vol-1  (tags immutable-servers:data-volume-of=Web-prod)  -> kept: vol-1 is in-use, attached to i-1');
    expect(report).toContain('1 data volume is attached to an instance, and never deleted while attached: stop what uses it and detach it, '
      + 'then run npx cdk-immutable-servers teardown web --app cdk.out --delete --confirm web --delete-data again.');
    expect(anythingLeft(given)).toBe(true);
  });
});

describe('anythingLeft', () => {
  test.each([
    ['nothing found', false, result([])],
    ['everything deleted', false, result([{ leftover: leftover(LeftoverKind.AMI, 'ami-1'), status: 'deleted' }])],
    ['a dry run that found something', true, result([{ leftover: leftover(LeftoverKind.AMI, 'ami-1'), status: 'listed' }], { delete: false })],
    ['a leftover kept', true, result([{ leftover: leftover(LeftoverKind.AMI, 'ami-1'), status: 'kept', note: 'waits' }])],
    ['a search that could not run', true, result([], { failures: [{ location: BUILD, search: 'everything', cause: 'no credentials' }] })],
    ['data kept without --delete-data', false, result([{ leftover: data(LeftoverKind.DATA_VOLUME, 'vol-1'), status: 'spared', note: 'kept' }])],
    ['data --delete-data could not delete', true, result([{ leftover: data(LeftoverKind.DATA_SNAPSHOT, 'snap-1'), status: 'failed', note: 'denied' }], { deleteData: true })],
    ['a stack still deployed', true, result([], { deployed: [{ name: 'WebPipeline', status: 'CREATE_COMPLETE', location: BUILD }] })],
  ])('given %s, then whether something is left is %s', (_, left, given) => {
    expect(anythingLeft(given)).toBe(left);
  });
});
