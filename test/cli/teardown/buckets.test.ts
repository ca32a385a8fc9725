import {
  BucketLocationConstraint, CreateBucketCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { findBucket } from '../../../src/cli/teardown/buckets';
import { BUILD } from '../../helpers/teardown-accounts';
import { TeardownWorld } from '../../helpers/teardown-world';

let world: TeardownWorld;
let s3: S3Client;
beforeAll(async () => {
  world = await TeardownWorld.start();
  s3 = world.client(S3Client, BUILD);
});
afterAll(async () => {
  await world?.stop();
});

describe('findBucket', () => {
  test('given a versioned bucket with object versions and delete markers, then removing it empties it of all of them and deletes it', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'archives', CreateBucketConfiguration: { LocationConstraint: BUILD.region as BucketLocationConstraint } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'archives', VersioningConfiguration: { Status: 'Enabled' } }));
    for (const body of ['v1', 'v2']) await s3.send(new PutObjectCommand({ Bucket: 'archives', Key: 'web.tar.gz', Body: body }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'archives', Key: 'web.tar.gz' }));

    const [bucket] = await findBucket(s3, BUILD, 'archives', 'kept by stack WebPipeline');
    await bucket.remove();

    expect(bucket.detail).toBe('3 object versions');
    expect(await world.bucketNames(BUILD)).toEqual([]);
  });

  test('given a bucket that is gone, then nothing is found', async () => {
    expect(await findBucket(s3, BUILD, 'deleted-long-ago', 'kept by stack WebPipeline')).toEqual([]);
  });
});
