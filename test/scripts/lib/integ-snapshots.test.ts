import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SnapshotStatus, SnapshotUpdate, compareWithSnapshot, snapshotUpdate, writeSnapshot } from '../../../scripts/lib/integ-snapshots';

const bucket = (properties: Record<string, unknown>) => ({ Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: properties } } });

/** A cloud assembly folder holding the given stack templates. */
function assembly(templates: Record<string, object>, extraFiles: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assembly-'));
  Object.entries(templates).forEach(([stack, template]) => fs.writeFileSync(path.join(dir, `${stack}.template.json`), JSON.stringify(template)));
  Object.entries(extraFiles).forEach(([name, content]) => fs.writeFileSync(path.join(dir, name), content));
  return dir;
}

describe('compareWithSnapshot', () => {
  test('given identical templates, then the snapshot is unchanged', () => {
    const template = bucket({ VersioningConfiguration: { Status: 'Enabled' } });

    const verdict = compareWithSnapshot(assembly({ App: template }), assembly({ App: template }));

    expect(verdict).toEqual({ status: SnapshotStatus.UNCHANGED, differences: [] });
  });

  test('given no snapshot folder, then the test is NEW, which fails verification', () => {
    expect(compareWithSnapshot('/nonexistent/integ.x.ts.snapshot', assembly({})).status).toBe(SnapshotStatus.NEW);
  });

  test('given an in-place property change, then the snapshot has CHANGED and the resource is named', () => {
    const verdict = compareWithSnapshot(
      assembly({ App: bucket({ VersioningConfiguration: { Status: 'Suspended' } }) }),
      assembly({ App: bucket({ VersioningConfiguration: { Status: 'Enabled' } }) }),
    );

    expect(verdict).toEqual({ status: SnapshotStatus.CHANGED, differences: ['App: Bucket (AWS::S3::Bucket) WILL_UPDATE'] });
  });

  test('given a change that replaces a resource, then the change is DESTRUCTIVE', () => {
    const verdict = compareWithSnapshot(assembly({ App: bucket({ BucketName: 'old' }) }), assembly({ App: bucket({ BucketName: 'new' }) }));

    expect(verdict).toEqual({ status: SnapshotStatus.DESTRUCTIVE, differences: ['App: Bucket (AWS::S3::Bucket) WILL_REPLACE'] });
  });

  test('given a retained resource removed from the stack, then the orphaning change is DESTRUCTIVE', () => {
    const retained = { Resources: { Bucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', Properties: {} } } };

    const verdict = compareWithSnapshot(assembly({ App: retained }), assembly({ App: { Resources: {} } }));

    expect(verdict).toEqual({ status: SnapshotStatus.DESTRUCTIVE, differences: ['App: Bucket (AWS::S3::Bucket) WILL_ORPHAN'] });
  });

  test('given a removed stack, then the change is DESTRUCTIVE', () => {
    const verdict = compareWithSnapshot(assembly({ App: bucket({}), Old: bucket({}) }), assembly({ App: bucket({}) }));

    expect(verdict).toEqual({ status: SnapshotStatus.DESTRUCTIVE, differences: ['Old: stack removed'] });
  });

  test('given only the integ assertion salts differ, then the snapshot is unchanged', () => {
    const assertion = (salt: string) => ({ Resources: { Assert: { Type: 'Custom::DeployAssert@SdkCallS3getObject', Properties: { salt, service: 'S3' } } } });

    expect(compareWithSnapshot(assembly({ Assert: assertion('1') }), assembly({ Assert: assertion('2') })).status).toBe(SnapshotStatus.UNCHANGED);
  });
});

describe('snapshotUpdate', () => {
  const verdict = (status: SnapshotStatus) => ({ status, differences: [] });

  test('given a destructive change, then an update refuses it, and writes it only when destructive changes are allowed', () => {
    expect(snapshotUpdate(verdict(SnapshotStatus.DESTRUCTIVE), false)).toBe(SnapshotUpdate.REFUSE);
    expect(snapshotUpdate(verdict(SnapshotStatus.DESTRUCTIVE), true)).toBe(SnapshotUpdate.WRITE);
  });

  test('given an in-place change or a new snapshot, then an update writes it; given none, then it keeps the snapshot', () => {
    expect(snapshotUpdate(verdict(SnapshotStatus.CHANGED), false)).toBe(SnapshotUpdate.WRITE);
    expect(snapshotUpdate(verdict(SnapshotStatus.NEW), false)).toBe(SnapshotUpdate.WRITE);
    expect(snapshotUpdate(verdict(SnapshotStatus.UNCHANGED), false)).toBe(SnapshotUpdate.KEEP);
  });
});

describe('writeSnapshot', () => {
  test('given an assembly with asset bodies, then the snapshot keeps templates and leaves the asset bodies out', () => {
    const fresh = assembly({ App: bucket({}) }, { 'asset.1234.zip': 'binary' });
    const snapshot = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-')), 'integ.app.ts.snapshot');

    writeSnapshot(fresh, snapshot);

    expect(fs.readdirSync(snapshot)).toEqual(['App.template.json']);
  });
});
