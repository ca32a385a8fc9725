import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { createMultiAccountApp } from '../../examples/multi-account/app';
import { createStatefulServiceApp } from '../../examples/stateful/app';
import { createWebServiceApp } from '../../examples/typescript/app';
import { createWindowsServiceApp } from '../../examples/windows/app';
import { madeByLibrary, readCloudAssembly } from '../../src/cli/teardown/cloud-assembly';
import { footprintOf } from '../../src/cli/teardown/footprint';
import { locationKey } from '../../src/cli/teardown/location';
import { DATA_VOLUME_TAG_KEYS } from '../../src/private/shared/data-volume-tags';
import { APPLICATION_TAG_KEY } from '../../src/private/shared/release-tags';

/**
 * What each example's README tears down: its application, where the command looks for it, and the
 * retained resources the app made itself (its VPCs' flow logs), which the command leaves alone.
 */
const EXAMPLES: Array<[string, (app: App) => App, string, string[], string[], string[]]> = [
  ['typescript', createWebServiceApp, 'web', ['111111111111/eu-west-1'], ['dev', 'qa', 'prod'], ['WebNetwork VpcFlowLogsLogGroup02219D52']],
  // The tools account keeps an AMI of its own in every region it copies to.
  ['multi-account', createMultiAccountApp, 'web', ['111111111111/eu-west-1', '111111111111/us-east-1', '222222222222/eu-west-1', '333333333333/us-east-1'],
    ['staging', 'production'], ['WebNetwork-production VpcFlowLogsLogGroup02219D52', 'WebNetwork-staging VpcFlowLogsLogGroup02219D52']],
  ['windows', createWindowsServiceApp, 'worker', ['111111111111/eu-west-1'], ['prod'], ['WorkerNetwork VpcFlowLogsLogGroup02219D52']],
  ['stateful', createStatefulServiceApp, 'orders', ['111111111111/eu-west-1'], ['prod'], ['OrdersNetwork VpcFlowLogsLogGroup02219D52']],
];

describe.each(EXAMPLES)('example %s', (_name, createApp, application, locations, environments, appsOwnRetained) => {
  test('given its cloud assembly, then every bucket, log group and key its stacks retain is the library\'s, but for those the app made itself', () => {
    const assembly = createApp(new App({ outdir: mkdtempSync(join(tmpdir(), 'example-teardown-')) })).synth();

    const stacks = readCloudAssembly(assembly.directory);

    const retained = stacks.flatMap((stack) => stack.templates.flatMap((template) => Object.entries<any>(template.Resources ?? {})
      .filter(([, resource]) => ['AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::KMS::Key'].includes(resource.Type) && resource.DeletionPolicy === 'Retain')
      .map(([logicalId]) => ({ stack, logicalId }))));
    expect(retained.length).toBeGreaterThan(appsOwnRetained.length);
    expect(retained.filter(({ stack, logicalId }) => !madeByLibrary(stack, logicalId)).map(({ stack, logicalId }) => `${stack.name} ${logicalId}`).sort())
      .toEqual(appsOwnRetained);
  });

  test('given its cloud assembly, then the teardown command finds its application, its recipe, each environment\'s ledger and every account and region', () => {
    const assembly = createApp(new App({ outdir: mkdtempSync(join(tmpdir(), 'example-teardown-')) })).synth();

    const footprint = footprintOf(readCloudAssembly(assembly.directory));

    expect(footprint.applications).toEqual([application]);
    expect(footprint.imageGroups.map((group) => locationKey(group.location))).toEqual([locations[0]]);
    expect(footprint.locations.map(locationKey).sort()).toEqual(locations);
    const ledgerAmis = footprint.ledgerParameters.map((parameter) => parameter.name).filter((name) => name.endsWith('/release/ami'));
    expect(ledgerAmis.sort()).toEqual(environments.map((environment) => `/immutable-servers/${application}/${environment}/release/ami`).sort());
  });
});

describe('example stateful', () => {
  test('given its cloud assembly, then its retained data volumes are the library\'s and tagged with their stack and application: the teardown finds them as data', () => {
    const assembly = createStatefulServiceApp(new App({ outdir: mkdtempSync(join(tmpdir(), 'example-teardown-')) })).synth();

    const stacks = readCloudAssembly(assembly.directory);

    const volumes = stacks.flatMap((stack) => stack.templates.flatMap((template) => Object.entries<any>(template.Resources ?? {})
      .filter(([, resource]) => resource.Type === 'AWS::EC2::Volume')
      .map(([logicalId, resource]) => ({ stack, logicalId, resource }))));
    const tag = (resource: any, key: string) => resource.Properties.Tags.find((candidate: any) => candidate.Key === key)?.Value;
    const found = volumes.map(({ stack, resource }) =>
      [stack.name, resource.DeletionPolicy, tag(resource, DATA_VOLUME_TAG_KEYS.stack), tag(resource, APPLICATION_TAG_KEY)]);
    expect(found).toEqual([['Orders-prod', 'Retain', 'Orders-prod', 'orders'], ['Orders-prod', 'Retain', 'Orders-prod', 'orders']]);
    expect(volumes.every(({ stack, logicalId }) => madeByLibrary(stack, logicalId))).toBe(true);
  });
});
