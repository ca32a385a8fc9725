import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsAccess } from '../../../src/cli/teardown/aws-access';
import { Location } from '../../../src/cli/teardown/location';
import { BUILD, WORKLOAD } from '../../helpers/teardown-accounts';
import { TeardownWorld } from '../../helpers/teardown-world';

let world: TeardownWorld;
beforeAll(async () => {
  world = await TeardownWorld.start();
  // Before anything reads the credentials file: the SDK reads each file once per process.
  world.profile('wrong');
});
afterAll(async () => {
  await world?.stop();
});

/** Writes a parameter with the clients of `location`, and says which account moto put it in. */
async function accountReached(access: AwsAccess, location: Location): Promise<string | undefined> {
  const name = `/probe/${Math.random().toString(36).slice(2)}`;
  await (await access.clients(location)).ssm.send(new PutParameterCommand({ Name: name, Value: 'here', Type: 'String' }));
  for (const account of [BUILD.account, WORKLOAD.account]) {
    try {
      await world.client(SSMClient, { account, region: location.region }).send(new GetParameterCommand({ Name: name }));
      return account;
    } catch {
      // not in this account
    }
  }
  return undefined;
}

describe('AwsAccess', () => {
  test('given the default credentials\' own account, then its clients use them', async () => {
    expect(await accountReached(new AwsAccess({ roleName: 'TeardownRole' }), BUILD)).toBe(BUILD.account);
  });

  test('given another account and a role name, then its clients assume that role there', async () => {
    expect(await accountReached(new AwsAccess({ roleName: 'TeardownRole' }), WORKLOAD)).toBe(WORKLOAD.account);
  });

  test('given another account and no role or profile for it, then its clients are refused, saying which options reach it', async () => {
    await expect(new AwsAccess().clients(WORKLOAD)).rejects.toThrow(
      `No credentials for account ${WORKLOAD.account}: the default credentials are account ${BUILD.account}'s. Pass --role-name <a role in ${WORKLOAD.account} they may assume> or --profile ${WORKLOAD.account}=<profile>`);
  });

  test('given a profile for an account that signs in to another, then its clients are refused before anything is called there', async () => {
    await expect(new AwsAccess({ profiles: { [WORKLOAD.account]: 'wrong' } }).clients(WORKLOAD))
      .rejects.toThrow(`Profile wrong signs in to account ${BUILD.account}, not ${WORKLOAD.account}`);
  });
});
