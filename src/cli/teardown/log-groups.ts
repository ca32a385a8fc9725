import { CloudWatchLogsClient, DeleteLogGroupCommand, paginateDescribeLogGroups } from '@aws-sdk/client-cloudwatch-logs';
import { Leftover, LeftoverKind } from './leftover';
import { Location } from './location';

/** The log groups whose names start with `prefix` and pass `matches`. */
export async function findLogGroups(logs: CloudWatchLogsClient, location: Location, prefix: string, matches: (name: string) => boolean,
  foundBy: string): Promise<Leftover[]> {
  const found: Leftover[] = [];
  for await (const page of paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: prefix })) {
    for (const group of page.logGroups ?? []) {
      const name = group.logGroupName!;
      if (!matches(name)) continue;
      found.push({
        kind: LeftoverKind.LOG_GROUP,
        location,
        id: name,
        foundBy,
        remove: async () => { await logs.send(new DeleteLogGroupCommand({ logGroupName: name })); },
      });
    }
  }
  return found;
}

/** The log group of that name, if it is still there. */
export function findLogGroup(logs: CloudWatchLogsClient, location: Location, name: string, foundBy: string): Promise<Leftover[]> {
  return findLogGroups(logs, location, name, (candidate) => candidate === name, foundBy);
}
