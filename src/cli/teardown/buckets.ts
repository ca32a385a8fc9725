import { DeleteBucketCommand, DeleteObjectsCommand, HeadBucketCommand, ListBucketsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { LeftAlone, Leftover, LeftoverKind } from './leftover';
import { Location } from './location';

/**
 * A bucket, if it is still there. Every call names the expected owner, so that a bucket of another
 * account that took the name after this one was deleted is never touched: S3 answers such a call
 * 403, as it answers one the credentials may not make. The account's own buckets tell the two
 * apart: a name that is not among them is another account's now, and is left alone.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
 */
export async function findBucket(s3: S3Client, location: Location, name: string, foundBy: string): Promise<Array<Leftover | LeftAlone>> {
  const owned = { Bucket: name, ExpectedBucketOwner: location.account };
  try {
    await s3.send(new HeadBucketCommand(owned));
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return [];
    if (status === 403 && !await ownsBucket(s3, name).catch(() => { throw error; })) {
      return [{ kind: LeftoverKind.BUCKET, location, id: name, why: `name now owned by another account, not ours (${foundBy})` }];
    }
    throw error;
  }
  const page = await s3.send(new ListObjectVersionsCommand(owned));
  const count = (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0);
  return [{
    kind: LeftoverKind.BUCKET,
    location,
    id: name,
    foundBy,
    detail: count === 0 ? 'empty' : `${count}${page.IsTruncated ? ' or more' : ''} object versions`,
    remove: () => emptyAndDelete(s3, owned),
  }];
}

/**
 * S3 deletes only empty buckets: every object version and delete marker goes first, a page (at
 * most 1,000, as many as DeleteObjects takes) at a time, until a listing comes back empty.
 */
async function emptyAndDelete(s3: S3Client, owned: { Bucket: string; ExpectedBucketOwner: string }): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand(owned));
    const objects = [...page.Versions ?? [], ...page.DeleteMarkers ?? []].map(({ Key, VersionId }) => ({ Key, VersionId }));
    if (objects.length === 0) break;
    const { Errors: errors } = await s3.send(new DeleteObjectsCommand({ ...owned, Delete: { Objects: objects, Quiet: true } }));
    if (errors?.length) {
      throw new Error(`${errors.length} objects could not be deleted, ${errors[0].Key} for one: ${errors[0].Code}: ${errors[0].Message}`);
    }
  }
  await s3.send(new DeleteBucketCommand(owned));
}

/** Whether the credentials' account owns a bucket of that name. */
async function ownsBucket(s3: S3Client, name: string): Promise<boolean> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListBucketsCommand({ Prefix: name, ContinuationToken: token }));
    if ((page.Buckets ?? []).some((bucket) => bucket.Name === name)) return true;
    token = page.ContinuationToken;
  } while (token);
  return false;
}
