import * as fs from 'fs';
import * as path from 'path';

const versionIn = (manifest: string) => JSON.parse(fs.readFileSync(manifest, 'utf-8'));

/** The aws-cdk-lib the project pins as its floor (package.json), or the one scripts/newest-cdk.sh installed. */
function expectedVersion(): string {
  const newest = process.env.NEWEST_CDK_MODULES;
  return newest
    ? versionIn(path.join(newest, 'aws-cdk-lib', 'package.json')).version
    : versionIn(path.join(__dirname, '..', '..', 'package.json')).devDependencies['aws-cdk-lib'];
}

describe('the aws-cdk-lib under test', () => {
  test('given a run on the floor, then it is the pinned floor; given scripts/newest-cdk.sh, then it is the newest it installed', () => {
    expect(versionIn(require.resolve('aws-cdk-lib/package.json')).version).toBe(expectedVersion());
  });
});
