import { DeleteBucketCommand, DeleteObjectsCommand, HeadBucketCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { Leftover, LeftoverKind } from './leftover';
import { Location } from './location';

/**
 * A bucket, if it is still there. Every call names the expected owner, so that a bucket of another
 * account that took the name after this one was deleted is never touched.
 */
export async function findBucket(s3: S3Client, location: Location, name: string, foundBy: string): Promise<Leftover[]> {
  const owned = { Bucket: name, ExpectedBucketOwner: location.account };
  try {
    await s3.send(new HeadBucketCommand(owned));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return [];
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
