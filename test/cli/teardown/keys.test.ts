import { CreateKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { findKey } from '../../../src/cli/teardown/keys';
import { BUILD } from '../../helpers/teardown-accounts';
import { TeardownWorld } from '../../helpers/teardown-world';

let world: TeardownWorld;
let kms: KMSClient;
beforeAll(async () => {
  world = await TeardownWorld.start();
  kms = world.client(KMSClient, BUILD);
});
afterAll(async () => {
  await world?.stop();
});

async function newKey(): Promise<string> {
  return (await kms.send(new CreateKeyCommand({ Description: 'Encrypts the break-glass session logs of prod' }))).KeyMetadata!.KeyId!;
}

describe('findKey', () => {
  test('given a key, then removing it schedules its deletion after the waiting period, and says until when it can be cancelled', async () => {
    const keyId = await newKey();
    const [key] = await findKey(kms, BUILD, keyId, 'kept by stack Web-prod', 7);

    const note = await key.remove();

    expect(key.detail).toBe('Encrypts the break-glass session logs of prod');
    expect(await world.keyState(BUILD, keyId)).toBe('PendingDeletion');
    expect(note).toMatch(/^deletion scheduled for \d{4}-\d{2}-\d{2}; until then aws kms cancel-key-deletion keeps it$/);
  });

  test('given a key already pending deletion, or gone, then nothing is found: nothing of it is left to do', async () => {
    const keyId = await newKey();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));

    expect(await findKey(kms, BUILD, keyId, 'kept by stack Web-prod', 7)).toEqual([]);
    expect(await findKey(kms, BUILD, '00000000-0000-0000-0000-000000000000', 'kept by stack Web-prod', 7)).toEqual([]);
  });
});
