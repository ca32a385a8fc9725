import { UsageError } from '../../../src/cli/teardown/cloud-assembly';
import { parseTeardownOptions } from '../../../src/cli/teardown/options';

describe('parseTeardownOptions', () => {
  test('given only an application, then it is a dry run of cdk.out, with KMS\'s default waiting period and the default credentials', () => {
    expect(parseTeardownOptions(['web'])).toEqual({
      request: { assemblyDirectory: 'cdk.out', applications: ['web'], delete: false, deleteData: false, keyPendingWindowDays: 30 },
      access: { roleName: undefined, profiles: {} },
    });
  });

  test('given --delete with the applications confirmed, a role and profiles per account, then each is taken', () => {
    const options = parseTeardownOptions(['web', 'api', '--app', 'out', '--delete', '--confirm', 'web,api', '--role-name', 'OrganizationAccountAccessRole',
      '--profile', '222222222222=staging', '--profile', '333333333333=production', '--key-pending-days', '7']);

    expect(options).toEqual({
      request: { assemblyDirectory: 'out', applications: ['web', 'api'], delete: true, deleteData: false, keyPendingWindowDays: 7 },
      access: { roleName: 'OrganizationAccountAccessRole', profiles: { 222222222222: 'staging', 333333333333: 'production' } },
    });
  });

  test('given --delete-data with --delete and the application confirmed, then data is deleted too', () => {
    expect(parseTeardownOptions(['web', '--delete', '--delete-data', '--confirm', 'web'])?.request).toEqual(
      { assemblyDirectory: 'cdk.out', applications: ['web'], delete: true, deleteData: true, keyPendingWindowDays: 30 });
  });

  test.each([
    [['web', '--delete-data'], /--delete-data deletes the data volumes and their snapshots for good, and only with --delete: pass --delete --delete-data --confirm web; a dry run lists the data without it/],
    [['web', '--delete-data', '--confirm', 'web'], /--confirm only confirms --delete/],
    [['web', '--delete', '--delete-data'], /--delete deletes for good: confirm it with --confirm web/],
    [['web', '--delete'], /--delete deletes for good: confirm it with --confirm web/],
    [['web', '--delete', '--confirm', 'api'], /confirm it with --confirm web/],
    [['web', '--confirm', 'web'], /--confirm only confirms --delete, and without it nothing is deleted: to delete, pass --delete --confirm web; for a dry run, leave --confirm out/],
    [['--delete', '--confirm', 'web'], /Name the application to tear down/],
    [['web', '--key-pending-days', '3'], /--key-pending-days must be a whole number of days from 7 to 30, as KMS requires, got '3'/],
    [['web', '--profile', 'staging'], /--profile takes <account id>=<profile name>, got 'staging'/],
    [['web', '--region', 'eu-west-1'], /Unknown option '--region'/],
  ])('given %j, then it is refused, saying why', (args, message) => {
    expect(() => parseTeardownOptions(args)).toThrow(UsageError);
    expect(() => parseTeardownOptions(args)).toThrow(message);
  });

  test('given --help, then there are no options: the usage is all that was asked for', () => {
    expect(parseTeardownOptions(['--help'])).toBeUndefined();
  });
});
