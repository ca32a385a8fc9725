#!/usr/bin/env node
/**
 * The `cdk-immutable-servers` command of the npm package (`npx cdk-immutable-servers ...`). The
 * library's jsii API does not export it: it runs in Node.js, whatever language the app is in.
 */
import { AwsAccess } from './teardown/aws-access';
import { UsageError } from './teardown/cloud-assembly';
import { TEARDOWN_USAGE, parseTeardownOptions } from './teardown/options';
import { anythingLeft, renderReport } from './teardown/report';
import { teardown } from './teardown/teardown';

const USAGE = `Usage: cdk-immutable-servers <command>

Commands:
  teardown   find, list and delete what an application left outside CloudFormation

cdk-immutable-servers <command> --help describes a command.
`;

/** Where the command writes: its report to `out`, what went wrong to `err`. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

/**
 * Runs the command and returns its exit status: 0 when nothing is left, 1 when something is,
 * 2 when it could not run.
 */
export async function main(args: string[], output: CommandOutput): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--help' || command === '-h') {
    output.out(USAGE);
    return 0;
  }
  if (command !== 'teardown') {
    output.err(command === undefined ? USAGE : `Unknown command '${command}'.\n\n${USAGE}`);
    return 2;
  }
  try {
    const options = parseTeardownOptions(rest);
    if (options === undefined) {
      output.out(TEARDOWN_USAGE);
      return 0;
    }
    const result = await teardown(options.request, new AwsAccess(options.access));
    output.out(renderReport(result));
    return anythingLeft(result) ? 1 : 0;
  } catch (error) {
    output.err(error instanceof UsageError ? `${error.message}\n\n${TEARDOWN_USAGE}` : `${(error as Error).stack ?? error}\n`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) })
    .then((status) => { process.exitCode = status; });
}
