import {
  BucketLocationConstraint, CreateBucketCommand, DeleteObjectCommand, HeadBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { findBucket } from '../../../src/cli/teardown/buckets';
import { LeftoverKind } from '../../../src/cli/teardown/leftover';
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
    if (!('remove' in bucket)) throw new Error('the bucket is the account\'s own');
    await bucket.remove();

    expect(bucket.detail).toBe('3 object versions');
    expect(await world.bucketNames(BUILD)).toEqual([]);
  });

  test('given a bucket of that name that another account owns now, then it is left alone as not ours, and the search does not fail', async () => {
    const other = world.client(S3Client, { account: '999999999999', region: BUILD.region });
    await other.send(new CreateBucketCommand({ Bucket: 'taken-since', CreateBucketConfiguration: { LocationConstraint: BUILD.region as BucketLocationConstraint } }));

    const found = await findBucket(world.ownerCheckingS3(BUILD), BUILD, 'taken-since', 'kept by stack WebPipeline');

    expect(found).toEqual([{ kind: LeftoverKind.BUCKET, location: BUILD, id: 'taken-since', why: 'name now owned by another account, not ours (kept by stack WebPipeline)' }]);
  });

  test('given a bucket of the account that the credentials may not read (403 too), then the search fails: it may still be there', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ours-but-denied', CreateBucketConfiguration: { LocationConstraint: BUILD.region as BucketLocationConstraint } }));

    await expect(findBucket(onlyHeadDenied(s3), BUILD, 'ours-but-denied', 'kept by stack WebPipeline')).rejects.toThrow('Forbidden');
  });

  test('given a bucket that is gone, then nothing is found', async () => {
    expect(await findBucket(s3, BUILD, 'deleted-long-ago', 'kept by stack WebPipeline')).toEqual([]);
  });
});

/** The client, but S3 answers its HeadBucket 403, as it does when the credentials may not list the bucket. */
function onlyHeadDenied(client: S3Client): S3Client {
  const denied = world.client(S3Client, BUILD);
  denied.send = ((command: any) => (command instanceof HeadBucketCommand
    ? Promise.reject(Object.assign(new Error('Forbidden'), { name: '403', $metadata: { httpStatusCode: 403 } }))
    : client.send(command))) as S3Client['send'];
  return denied;
}
