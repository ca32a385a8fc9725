import { DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { Leftover, LeftoverKind } from './leftover';
import { Location } from './location';

/**
 * A customer managed key, unless it is gone or already pending deletion. KMS deletes a key only
 * after a waiting period (7 to 30 days), during which its deletion can be cancelled: what the key
 * encrypted cannot be read again once it is gone.
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html
 */
export async function findKey(kms: KMSClient, location: Location, keyId: string, foundBy: string, pendingWindowInDays: number): Promise<Leftover[]> {
  let metadata;
  try {
    metadata = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (error) {
    if ((error as Error).name === 'NotFoundException') return [];
    throw error;
  }
  if (metadata === undefined || metadata.KeyManager !== 'CUSTOMER' || metadata.KeyState === 'PendingDeletion') return [];
  return [{
    kind: LeftoverKind.KMS_KEY,
    location,
    id: metadata.Arn ?? keyId,
    foundBy,
    detail: metadata.Description || undefined,
    remove: async () => {
      const { DeletionDate: date } = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: pendingWindowInDays }));
      return `deletion scheduled for ${date?.toISOString().slice(0, 10)}; until then aws kms cancel-key-deletion keeps it`;
    },
  }];
}
