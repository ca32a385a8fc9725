import { randomUUID } from 'crypto';
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { BucketLocationConstraint, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsAccess } from '../../../src/cli/teardown/aws-access';
import { UsageError } from '../../../src/cli/teardown/cloud-assembly';
import { LeftoverKind } from '../../../src/cli/teardown/leftover';
import { Location, locationKey } from '../../../src/cli/teardown/location';
import { anythingLeft, renderReport } from '../../../src/cli/teardown/report';
import { TeardownResult, teardown } from '../../../src/cli/teardown/teardown';
import { ledgerParameterNames } from '../../../src/private/release/release-ledger';
import { DATA_VOLUME_TAG_KEYS } from '../../../src/private/shared/data-volume-tags';
import { APPLICATION_TAG_KEY, RELEASE_TAG_KEYS } from '../../../src/private/shared/release-tags';
import { FakeImageBuilder } from '../../helpers/fake-image-builder';
import { BUILD, WORKLOAD } from '../../helpers/teardown-accounts';
import { TeardownApp, synthesizeTeardownApp } from '../../helpers/teardown-app';
import { TeardownWorld } from '../../helpers/teardown-world';

/** The build account's copies in the workload region. */
const BUILD_ACCOUNT_COPIES = { account: BUILD.account, region: WORKLOAD.region };
/** The role the command assumes in the workload account; moto lets any role be assumed. */
const ROLE_NAME = 'TeardownRole';
const LEDGER = Object.values(ledgerParameterNames('/immutable-servers/web/prod/release', true));

/** What the library left of `web`, as the test seeded it, and what another application owns beside it. */
interface Seeded {
  readonly imageBuilder: FakeImageBuilder;
  readonly webAmis: Array<{ location: Location; imageId: string; snapshotId: string }>;
  /** Physical ids by logical id of what the deleted stacks retained, the library's and the app's own. */
  readonly retainedByPipeline: Record<string, string>;
  readonly retainedByEnvironment: Record<string, string>;
  readonly apiAmi: { imageId: string; snapshotId: string };
  readonly unrelatedBucket: string;
  readonly imageBuilderLogs: string[];
  /** The deployment's data volumes (slot 1 retained by the deleted stack, slot 2 still attached to an instance) and a release's snapshots of them. */
  readonly data: { readonly volumes: string[]; readonly attachedTo: string; readonly snapshots: string[] };
}

let world: TeardownWorld;
let app: TeardownApp;
beforeAll(async () => {
  app = synthesizeTeardownApp();
  world = await TeardownWorld.start();
});
afterAll(async () => {
  await world?.stop();
});
beforeEach(async () => {
  await world.reset();
});

/**
 * What `web` leaves once its stacks are deleted (or, with `deployed`, while the pipeline's stack is
 * still there), and what the `api` application and a stack outside the assembly own beside it.
 */
async function seed(options: { deployed?: boolean } = {}): Promise<Seeded> {
  const imageBuilder = new FakeImageBuilder(`arn:aws:imagebuilder:${BUILD.region}:${BUILD.account}`);
  const bakeOfTheImage = `${app.recipeName}-${randomUUID()}`;
  imageBuilder.addImage(app.recipeName, app.group);
  // A bake whose cleanup failed left the recipe version and distribution configuration it built with...
  imageBuilder.addImage(bakeOfTheImage, bakeOfTheImage);
  // ... and one left its recipe version only.
  imageBuilder.addRecipe(`${app.recipeName}-${randomUUID()}`);
  imageBuilder.addImage('apipipeline-apiimage-11111111-aaaaaaaaaaaa', 'apipipeline-apiimage-11111111');

  const webAmis = [];
  const webImage = `arn:aws:imagebuilder:${BUILD.region}:${BUILD.account}:image/${app.recipeName}/1.0.0/1`;
  for (const location of [BUILD, BUILD_ACCOUNT_COPIES, WORKLOAD]) {
    webAmis.push({ location, ...await world.ami(location, 'web', webImage) });
  }
  const apiAmi = await world.ami(BUILD, 'api', `arn:aws:imagebuilder:${BUILD.region}:${BUILD.account}:image/apipipeline-apiimage-11111111-aaaaaaaaaaaa/1.0.0/1`);
  await world.parameter(BUILD, '/web/latest-ami', webAmis[0].imageId);
  for (const name of LEDGER) await world.parameter(WORKLOAD, name);
  await world.parameter(WORKLOAD, '/immutable-servers/api/prod/release/ami');
  const imageBuilderLogs = [`/aws/imagebuilder/${app.recipeName}`, `/aws/imagebuilder/${bakeOfTheImage}`, `/aws/imagebuilder/pipeline/${app.group}`];
  for (const name of [...imageBuilderLogs, '/aws/imagebuilder/apipipeline-apiimage-11111111-aaaaaaaaaaaa']) await world.logGroup(BUILD, name);

  const { retained } = app;
  const retainedByPipeline = options.deployed
    ? (await world.deployedStack(BUILD, app.pipelineStack), {})
    : await world.deletedStack(BUILD, app.pipelineStack, {
      [retained.buildLogs]: { type: 'bucket', objects: ['builds/1/build.log', 'builds/2/build.log'] },
      [retained.userBucket]: { type: 'bucket', objects: ['data.csv'] },
      [retained.userLogGroup]: { type: 'logGroup' },
      [retained.userKey]: { type: 'key' },
    });
  const retainedByEnvironment = await world.deletedStack(WORKLOAD, app.environmentStack, {
    [retained.environmentLogs]: { type: 'logGroup' },
    [retained.sessionLogKey]: { type: 'key' },
    [retained.dataVolume]: { type: 'volume' },
    [retained.userVolume]: { type: 'volume' },
  });
  // Slot 1's volume, retained by the stack, as the deployment tagged it; slot 2's, still attached to an instance of someone's.
  const slotOne = retainedByEnvironment[retained.dataVolume];
  await world.client(EC2Client, WORKLOAD).send(new CreateTagsCommand({
    Resources: [slotOne],
    Tags: [
      { Key: DATA_VOLUME_TAG_KEYS.stack, Value: app.environmentStack }, { Key: DATA_VOLUME_TAG_KEYS.slot, Value: '1' }, { Key: DATA_VOLUME_TAG_KEYS.used, Value: 'true' },
      { Key: APPLICATION_TAG_KEY, Value: 'web' }, { Key: RELEASE_TAG_KEYS.environment, Value: 'prod' },
    ],
  }));
  const slotTwo = await world.dataVolume(WORKLOAD, app.environmentStack, { slot: 2, attached: true });
  const snapshots = [
    await world.dataSnapshot(WORKLOAD, slotOne, app.environmentStack, '1.0.0'),
    await world.dataSnapshot(WORKLOAD, slotTwo.volumeId, app.environmentStack, '1.0.0'),
  ];
  const data = { volumes: [slotOne, slotTwo.volumeId], attachedTo: slotTwo.instanceId!, snapshots };
  const unrelated = await world.deletedStack(BUILD, 'Unrelated', { Bucket: { type: 'bucket', objects: ['keep.txt'] } });
  return { imageBuilder, webAmis, retainedByPipeline, retainedByEnvironment, apiAmi, unrelatedBucket: unrelated.Bucket, imageBuilderLogs, data };
}

function run(seeded: Pick<Seeded, 'imageBuilder'>, options: { delete: boolean; deleteData?: boolean; roleName?: string }): Promise<TeardownResult> {
  const access = new AwsAccess({
    roleName: 'roleName' in options ? options.roleName : ROLE_NAME,
    imageBuilder: (location) => (locationKey(location) === locationKey(BUILD) ? seeded.imageBuilder : new FakeImageBuilder(`arn:aws:imagebuilder:${location.region}:${location.account}`)),
    prepareClients: (clients) => world.prepareClients(clients),
  });
  return teardown({ assemblyDirectory: app.directory, applications: ['web'], delete: options.delete, deleteData: options.deleteData, keyPendingWindowDays: 7 }, access);
}

/** `<account>/<region> <kind> <id>` of each leftover the result names. */
function found(result: TeardownResult): string[] {
  return result.outcomes.map(({ leftover }) => `${locationKey(leftover.location)} ${leftover.kind} ${leftover.id}`).sort();
}

/** Everything of `web` the seed left, as the command should find it. */
function expectedLeftovers(seeded: Seeded): string[] {
  const at = (location: Location, kind: LeftoverKind, id: string) => `${locationKey(location)} ${kind} ${id}`;
  const imageBuilder = [
    ...[...seeded.imageBuilder.images.entries()]
      .filter(([, image]) => image.name.startsWith(app.group))
      .map(([arn]) => at(BUILD, LeftoverKind.IMAGE_BUILDER_IMAGE, arn)),
    ...[...seeded.imageBuilder.recipes.entries()].filter(([name]) => name.startsWith(`${app.recipeName}-`)).map(([, arn]) => at(BUILD, LeftoverKind.BUILD_RECIPE, arn)),
    ...[...seeded.imageBuilder.distributions.entries()].filter(([name]) => name.startsWith(`${app.recipeName}-`)).map(([, arn]) => at(BUILD, LeftoverKind.BUILD_DISTRIBUTION, arn)),
  ];
  return [
    ...imageBuilder,
    ...seeded.webAmis.flatMap(({ location, imageId, snapshotId }) => [
      at(location, LeftoverKind.AMI, imageId),
      at(location, LeftoverKind.SNAPSHOT, snapshotId),
    ]),
    at(BUILD, LeftoverKind.PARAMETER, '/web/latest-ami'),
    ...LEDGER.map((name) => at(WORKLOAD, LeftoverKind.PARAMETER, name)),
    ...seeded.imageBuilderLogs.map((name) => at(BUILD, LeftoverKind.LOG_GROUP, name)),
    at(BUILD, LeftoverKind.BUCKET, seeded.retainedByPipeline[app.retained.buildLogs]),
    at(WORKLOAD, LeftoverKind.LOG_GROUP, seeded.retainedByEnvironment[app.retained.environmentLogs]),
    at(WORKLOAD, LeftoverKind.KMS_KEY, `arn:aws:kms:${WORKLOAD.region}:${WORKLOAD.account}:key/${seeded.retainedByEnvironment[app.retained.sessionLogKey]}`),
    ...expectedData(seeded),
  ].sort();
}

/** The data of `web` the seed left: its volumes and their snapshots. */
function expectedData(seeded: Seeded): string[] {
  return [
    ...seeded.data.volumes.map((id) => `${locationKey(WORKLOAD)} ${LeftoverKind.DATA_VOLUME} ${id}`),
    ...seeded.data.snapshots.map((id) => `${locationKey(WORKLOAD)} ${LeftoverKind.DATA_SNAPSHOT} ${id}`),
  ];
}

/** `<id> <status>` of each outcome of data. */
function dataOutcomes(result: TeardownResult): string[] {
  return result.outcomes.filter((outcome) => outcome.leftover.isData).map((outcome) => `${outcome.leftover.id} ${outcome.status}`).sort();
}

describe('teardown', () => {
  test('given what web left in two accounts and three regions, then a dry run lists all of it, each kind by how it was found, and deletes nothing', async () => {
    const seeded = await seed();

    const result = await run(seeded, { delete: false });

    expect(found(result)).toEqual(expectedLeftovers(seeded));
    expect(result.outcomes.every((outcome) => outcome.status === (outcome.leftover.isData ? 'spared' : 'listed'))).toBe(true);
    expect(dataOutcomes(result)).toEqual([...seeded.data.volumes, ...seeded.data.snapshots].map((id) => `${id} spared`).sort());
    expect(result.failures).toEqual([]);
    expect(await world.amiIds(WORKLOAD)).toEqual([seeded.webAmis[2].imageId]);
    expect(seeded.imageBuilder.deletions).toEqual([]);
    expect(anythingLeft(result)).toBe(true);
    const report = renderReport(result);
    expect(report).toContain('Delete what is listed: npx cdk-immutable-servers teardown web --app');
    expect(report).toContain(`    ${seeded.data.volumes[0]}  environment prod, slot 1, 20 GiB gp2, available  (tags immutable-servers:data-volume-of=${app.environmentStack}, `
      + 'immutable-servers:application=web)  -> data: kept unless you pass --delete-data\n');
    expect(report).toContain(`-> data: kept unless you pass --delete-data; ${seeded.data.volumes[1]} is in-use, attached to ${seeded.data.attachedTo}`);
  });

  test('given the stacks are gone, then --delete deletes everything it found, and none of it is left in moto or Image Builder', async () => {
    const seeded = await seed();
    const expected = expectedLeftovers(seeded);

    const result = await run(seeded, { delete: true });

    expect(result.outcomes.filter((outcome) => outcome.status !== 'deleted' && !outcome.leftover.isData)).toEqual([]);
    expect(found(result)).toEqual(expected);
    for (const location of [BUILD, BUILD_ACCOUNT_COPIES, WORKLOAD]) {
      const webAmis = seeded.webAmis.filter((ami) => locationKey(ami.location) === locationKey(location));
      expect(await world.amiIds(location)).not.toEqual(expect.arrayContaining(webAmis.map((ami) => ami.imageId)));
      expect(await world.existingSnapshots(location, webAmis.map((ami) => ami.snapshotId))).toEqual([]);
    }
    expect(await world.parameterNames(WORKLOAD)).toEqual(['/immutable-servers/api/prod/release/ami']);
    expect(await world.parameterNames(BUILD)).toEqual([]);
    expect(await world.logGroupNames(WORKLOAD)).toEqual([]);
    expect(await world.keyState(WORKLOAD, seeded.retainedByEnvironment[app.retained.sessionLogKey])).toBe('PendingDeletion');
    expect([...seeded.imageBuilder.images.values()].map((image) => image.name)).toEqual(['apipipeline-apiimage-11111111-aaaaaaaaaaaa']);
    expect(anythingLeft(result)).toBe(false);
  });

  test('given the deployment\'s data volumes and their snapshots, then plain --delete deletes none of them, reports them kept, and counts them as not left', async () => {
    const seeded = await seed();

    const result = await run(seeded, { delete: true });

    expect(dataOutcomes(result)).toEqual([...seeded.data.volumes, ...seeded.data.snapshots].map((id) => `${id} spared`).sort());
    const volumes = await world.volumeStates(WORKLOAD);
    expect(seeded.data.volumes.map((id) => volumes[id])).toEqual(['available', 'in-use']);
    expect(await world.existingSnapshots(WORKLOAD, seeded.data.snapshots)).toEqual([...seeded.data.snapshots].sort());
    expect(anythingLeft(result)).toBe(false);
    const report = renderReport(result);
    expect(report).toContain('deleting, but no data (data volumes and their snapshots are kept)');
    expect(report).toContain('Your data is kept: 2 data volumes (40 GiB) and 2 snapshots releases took of them, listed above. Copy what you need, then delete it with '
      + `npx cdk-immutable-servers teardown web --app ${app.directory} --delete --confirm web --delete-data`);
    expect(report).toMatch(/account\/region +kind +found +deleted +data kept +left\n/);
  });

  test('given --delete-data, then the available volume and its snapshot are deleted, the attached one and its snapshot are kept saying why, and something is left', async () => {
    const seeded = await seed();

    const result = await run(seeded, { delete: true, deleteData: true });

    const [free, attached] = seeded.data.volumes;
    expect(dataOutcomes(result)).toEqual([`${free} deleted`, `${attached} kept`, `${seeded.data.snapshots[0]} deleted`, `${seeded.data.snapshots[1]} kept`].sort());
    expect(result.outcomes.find((outcome) => outcome.leftover.id === attached)?.note)
      .toBe(`${attached} is in-use, attached to ${seeded.data.attachedTo}: a data volume is deleted only once no instance has it attached (available)`);
    const volumes = await world.volumeStates(WORKLOAD);
    expect(volumes[free]).toBeUndefined();
    expect(volumes[attached]).toBe('in-use');
    expect(volumes[seeded.retainedByEnvironment[app.retained.userVolume]]).toBe('available');
    expect(await world.existingSnapshots(WORKLOAD, seeded.data.snapshots)).toEqual([seeded.data.snapshots[1]]);
    expect(anythingLeft(result)).toBe(true);
    expect(renderReport(result)).toContain('1 data volume is attached to an instance, and never deleted while attached: stop what uses it and detach it, then run '
      + `npx cdk-immutable-servers teardown web --app ${app.directory} --delete --confirm web --delete-data again.`);
  });

  test('given --delete-data while a stack is still deployed, then no data is deleted: it waits for cdk destroy', async () => {
    const seeded = await seed();
    await world.deployedStack(WORKLOAD, app.ledgerStack);

    const result = await run(seeded, { delete: true, deleteData: true });

    expect(dataOutcomes(result)).toEqual([...seeded.data.volumes, ...seeded.data.snapshots].map((id) => `${id} kept`).sort());
    expect((await world.volumeStates(WORKLOAD))[seeded.data.volumes[0]]).toBe('available');
  });

  test('given another application and a stack outside the assembly in the same accounts, then --delete leaves their resources alone', async () => {
    const seeded = await seed();

    await run(seeded, { delete: true });

    expect(await world.amiIds(BUILD)).toEqual([seeded.apiAmi.imageId]);
    expect(await world.existingSnapshots(BUILD, [seeded.apiAmi.snapshotId])).toEqual([seeded.apiAmi.snapshotId]);
    expect(await world.parameterNames(WORKLOAD)).toEqual(['/immutable-servers/api/prod/release/ami']);
    expect(await world.bucketNames(BUILD)).toEqual([seeded.unrelatedBucket, seeded.retainedByPipeline[app.retained.userBucket]].sort());
    expect(await world.logGroupNames(BUILD)).toEqual(['/aws/imagebuilder/apipipeline-apiimage-11111111-aaaaaaaaaaaa', seeded.retainedByPipeline[app.retained.userLogGroup]].sort());
  });

  test('given the app\'s own bucket, log group, key and volume that its stacks retained beside the library\'s, then they are listed as left alone and survive --delete', async () => {
    const seeded = await seed();
    const own = [app.retained.userBucket, app.retained.userLogGroup, app.retained.userKey].map((logicalId) => seeded.retainedByPipeline[logicalId]);
    const expected = expectedLeftovers(seeded);

    const result = await run(seeded, { delete: true });

    expect(result.leftAlone.map((alone) => [locationKey(alone.location), alone.kind, alone.id])).toEqual([
      [locationKey(BUILD), LeftoverKind.BUCKET, own[0]],
      [locationKey(BUILD), LeftoverKind.LOG_GROUP, own[1]],
      [locationKey(BUILD), LeftoverKind.KMS_KEY, own[2]],
      [locationKey(WORKLOAD), LeftoverKind.DATA_VOLUME, seeded.retainedByEnvironment[app.retained.userVolume]],
    ]);
    expect(result.leftAlone.map((alone) => alone.why)).toEqual(expect.arrayContaining([
      `kept by stack ${app.pipelineStack} when it was deleted; AWS::S3::Bucket ${app.retained.userBucket} is not made by cdk-immutable-servers`,
    ]));
    expect(found(result)).toEqual(expected);
    expect(await world.bucketNames(BUILD)).toContain(own[0]);
    expect(await world.logGroupNames(BUILD)).toContain(own[1]);
    expect(await world.keyState(BUILD, own[2])).toBe('Enabled');
    expect((await world.volumeStates(WORKLOAD))[seeded.retainedByEnvironment[app.retained.userVolume]]).toBe('available');
    expect(renderReport(result)).toContain('Left alone, not made by cdk-immutable-servers');
    expect(anythingLeft(result)).toBe(false);
  });

  test('given a bucket and a log group CloudFormation deleted with the stacks, whose names were taken again since, then they are neither listed nor deleted', async () => {
    const pipeline = await world.deletedStack(BUILD, app.pipelineStack, { [app.retained.buildLogs]: { type: 'bucket', deleted: true } });
    const environment = await world.deletedStack(WORKLOAD, app.environmentStack, { [app.retained.environmentLogs]: { type: 'logGroup', deleted: true } });
    const bucket = pipeline[app.retained.buildLogs];
    const logGroup = environment[app.retained.environmentLogs];
    const sameName = { Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: BUILD.region as BucketLocationConstraint } };
    await world.client(S3Client, BUILD).send(new CreateBucketCommand(sameName));
    await world.logGroup(WORKLOAD, logGroup);

    const result = await run({ imageBuilder: new FakeImageBuilder(`arn:aws:imagebuilder:${BUILD.region}:${BUILD.account}`) }, { delete: true });

    expect(found(result)).toEqual([]);
    expect(result.leftAlone).toEqual([]);
    expect(await world.bucketNames(BUILD)).toContain(bucket);
    expect(await world.logGroupNames(WORKLOAD)).toContain(logGroup);
  });

  test('given everything was deleted, then another run finds nothing and reports nothing left', async () => {
    const seeded = await seed();
    await run(seeded, { delete: true });

    const again = await run(seeded, { delete: false });

    expect(found(again)).toEqual(expectedData(seeded).sort());
    expect(anythingLeft(again)).toBe(false);
    expect(renderReport(again)).toContain('Nothing else of web is left that the command looks for');
  });

  test('given a stack of the assembly still deployed, then --delete deletes Image Builder\'s leftovers only, keeps the rest, and says to run cdk destroy', async () => {
    const seeded = await seed({ deployed: true });

    const result = await run(seeded, { delete: true });

    expect(result.deployed).toEqual([{ name: app.pipelineStack, status: 'CREATE_COMPLETE', location: BUILD }]);
    const deleted = result.outcomes.filter((outcome) => outcome.status === 'deleted').map((outcome) => outcome.leftover.kind);
    expect(new Set(deleted)).toEqual(new Set([LeftoverKind.IMAGE_BUILDER_IMAGE, LeftoverKind.BUILD_RECIPE, LeftoverKind.BUILD_DISTRIBUTION]));
    expect(result.outcomes.filter((outcome) => outcome.status === 'kept').map((outcome) => outcome.note))
      .toEqual(expect.arrayContaining(['waits for cdk destroy --all: 1 stack still deployed']));
    expect(await world.amiIds(WORKLOAD)).toEqual([seeded.webAmis[2].imageId]);
    expect(renderReport(result)).toContain('Destroy the stacks: npx cdk destroy --all');
    expect(anythingLeft(result)).toBe(true);
  });

  test('given no way into the workload account, then its search fails naming the account and the options, and nothing that waits for the stacks is deleted anywhere', async () => {
    const seeded = await seed();

    const result = await run(seeded, { delete: true, roleName: undefined });

    expect(result.failures).toEqual([expect.objectContaining({
      location: WORKLOAD,
      search: 'everything',
      cause: expect.stringContaining(`No credentials for account ${WORKLOAD.account}: the default credentials are account ${BUILD.account}'s. Pass --role-name`),
    })]);
    expect(await world.amiIds(BUILD)).toEqual(expect.arrayContaining([seeded.webAmis[0].imageId]));
    expect(result.outcomes.filter((outcome) => outcome.status === 'kept').map((outcome) => outcome.note))
      .toEqual(expect.arrayContaining(['waits: CloudFormation could not be asked whether the stacks are deleted']));
    expect(anythingLeft(result)).toBe(true);
  });

  test('given applications other than the assembly\'s, then the command refuses to run, naming the assembly\'s', async () => {
    const access = new AwsAccess();

    await expect(teardown({ assemblyDirectory: app.directory, applications: ['api'], delete: false, keyPendingWindowDays: 30 }, access))
      .rejects.toThrow(UsageError);
    await expect(teardown({ assemblyDirectory: app.directory, applications: ['web', 'api'], delete: false, keyPendingWindowDays: 30 }, access))
      .rejects.toThrow(/holds application web, but the command was given applications web, api/);
  });
});
