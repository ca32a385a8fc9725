import { parseArgs } from 'util';
import { AwsAccessOptions } from './aws-access';
import { UsageError } from './cloud-assembly';
import { TeardownRequest } from './teardown';

export const TEARDOWN_USAGE = `Usage: cdk-immutable-servers teardown <application>... [options]

Finds what cdk-immutable-servers left of the applications outside CloudFormation (Image Builder
images and bake leftovers, AMIs and snapshots, release ledgers, the buckets, log groups and keys
its constructs made that the stacks retained) in every account and region of the app's cloud
assembly, and lists it; what else the stacks retained is listed as left alone, never deleted. Deletes it with
--delete: Image Builder's leftovers at once, the rest once cdk destroy --all has deleted the stacks.
The deployments' data volumes and the snapshots releases took of them are your data: listed, and
kept unless --delete-data is passed too; a volume still attached to an instance is never deleted.

Options:
  --app <directory>             the synthesized app (default: cdk.out)
  --delete                      delete what is found (default: only list it)
  --confirm <application,...>   with --delete: the applications again, comma-separated
  --delete-data                 with --delete: delete the data volumes no instance has attached, and
                                the snapshots releases took of them (default: keep them)
  --role-name <name>            a role to assume in each account other than the default credentials'
  --profile <account>=<name>    a named profile for an account (repeatable)
  --key-pending-days <days>     KMS keys' waiting period before deletion, 7 to 30 (default: 30)
  -h, --help                    this text

Exit status: 0 nothing is left; 1 something is left (listed above it; a dry run leaves all it lists;
data kept without --delete-data does not count, data --delete-data could not delete does);
2 the command could not run.
`;

export interface TeardownOptions {
  readonly request: TeardownRequest;
  readonly access: AwsAccessOptions;
}

/** The command's options, or `undefined` when only its usage was asked for. */
export function parseTeardownOptions(args: string[]): TeardownOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'app': { type: 'string', default: 'cdk.out' },
        'delete': { type: 'boolean', default: false },
        'delete-data': { type: 'boolean', default: false },
        'confirm': { type: 'string' },
        'role-name': { type: 'string' },
        'profile': { type: 'string', multiple: true, default: [] },
        'key-pending-days': { type: 'string', default: '30' },
        'help': { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals: applications } = parsed;
  if (values.help) return undefined;
  if (applications.length === 0) {
    throw new UsageError('Name the application to tear down: its applicationName, for example cdk-immutable-servers teardown web');
  }
  if (!values.delete && values.confirm !== undefined) {
    throw new UsageError(`--confirm only confirms --delete, and without it nothing is deleted: to delete, pass --delete --confirm ${applications.join(',')}; `
      + 'for a dry run, leave --confirm out');
  }
  if (values['delete-data'] && !values.delete) {
    throw new UsageError(`--delete-data deletes the data volumes and their snapshots for good, and only with --delete: pass --delete --delete-data --confirm ${applications.join(',')}; `
      + 'a dry run lists the data without it');
  }
  if (values.delete && values.confirm !== applications.join(',')) {
    throw new UsageError(`--delete deletes for good: confirm it with --confirm ${applications.join(',')}`);
  }
  const keyPendingWindowDays = Number(values['key-pending-days']);
  if (!Number.isInteger(keyPendingWindowDays) || keyPendingWindowDays < 7 || keyPendingWindowDays > 30) {
    throw new UsageError(`--key-pending-days must be a whole number of days from 7 to 30, as KMS requires, got '${values['key-pending-days']}'`);
  }
  return {
    request: { assemblyDirectory: values.app, applications, delete: values.delete, deleteData: values['delete-data'], keyPendingWindowDays },
    access: { roleName: values['role-name'], profiles: Object.fromEntries(values.profile.map(profileOfAccount)) },
  };
}

/** `<account>=<profile>` */
function profileOfAccount(option: string): [string, string] {
  const match = /^(\d{12})=(.+)$/.exec(option);
  if (!match) {
    throw new UsageError(`--profile takes <account id>=<profile name>, got '${option}'`);
  }
  return [match[1], match[2]];
}
