import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, NestedStack, Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { ApplicationImageRecipe } from '../../../src';
import { readCloudAssembly } from '../../../src/cli/teardown/cloud-assembly';
import { Footprint, footprintOf } from '../../../src/cli/teardown/footprint';
import { ledgerParameterNames } from '../../../src/private/release/release-ledger';
import { BUILD, WORKLOAD } from '../../helpers/teardown-accounts';
import { TeardownApp, synthesizeTeardownApp } from '../../helpers/teardown-app';

describe('footprintOf', () => {
  let app: TeardownApp;
  let footprint: Footprint;
  beforeAll(() => {
    app = synthesizeTeardownApp();
    footprint = footprintOf(readCloudAssembly(app.directory));
  });

  test('given a recipe, then its image group is its distribution configuration\'s name, in the recipe\'s account and region', () => {
    expect(footprint.imageGroups.map(({ application, name, location }) => ({ application, name, location })))
      .toEqual([{ application: 'web', name: app.group, location: BUILD }]);
    expect(app.recipeName.startsWith(`${app.group}-`)).toBe(true);
  });

  test('given a recipe that copies to another account and region, then its AMIs are looked for in the build account\'s regions and the copy\'s', () => {
    expect(footprint.imageGroups[0].amiLocations).toEqual([BUILD, { account: BUILD.account, region: WORKLOAD.region }, WORKLOAD]);
  });

  test('given a recipe with an AMI id parameter, then the parameter Image Builder writes is named, in the build account and region', () => {
    expect(footprint.imageGroups[0].amiIdParameters).toEqual([expect.objectContaining({ location: BUILD, name: '/web/latest-ami' })]);
  });

  test('given an environment, then its ledger is every parameter the ledger stack creates, in the environment\'s account and region', () => {
    const expected = Object.values(ledgerParameterNames('/immutable-servers/web/prod/release', true));

    expect(footprint.ledgerParameters.map((parameter) => parameter.name).sort()).toEqual(expected.sort());
    expect(footprint.ledgerParameters.map((parameter) => parameter.location)).toEqual(expected.map(() => WORKLOAD));
  });

  test('given the recipe and the environment, then the assembly holds one application, looked for wherever a stack runs or an AMI is copied', () => {
    expect(footprint.applications).toEqual(['web']);
    expect(footprint.locations).toEqual([BUILD, WORKLOAD, { account: BUILD.account, region: WORKLOAD.region }]);
  });

  test('given a recipe in a nested stack, then it is found in its top-level stack\'s account and region', () => {
    const nestedApp = new App({ outdir: mkdtempSync(join(tmpdir(), 'footprint-')) });
    const stack = new Stack(nestedApp, 'Images', { env: BUILD });
    const nested = new NestedStack(stack, 'Nested');
    new ApplicationImageRecipe(nested, 'Image', {
      applicationName: 'api',
      artifact: { bucket: s3.Bucket.fromBucketName(nested, 'Artifacts', 'artifacts'), key: 'api.tar.gz' },
      startCommand: '/opt/api/bin/server',
    });

    const nestedFootprint = footprintOf(readCloudAssembly(nestedApp.synth().directory));

    expect(nestedFootprint.imageGroups.map(({ application, location }) => ({ application, location }))).toEqual([{ application: 'api', location: BUILD }]);
  });
});
