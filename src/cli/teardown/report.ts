import { Outcome } from './deletion';
import { BEFORE_THE_STACKS, DELETION_ORDER, LeftoverKind } from './leftover';
import { locationKey } from './location';
import { TeardownResult } from './teardown';

/** The longest detail (a parameter's value, say) the report prints of a leftover. */
const DETAIL_LENGTH = 60;

/**
 * Whether the teardown left anything: a leftover not deleted, a search that could not run (it may
 * have missed something), or a stack CloudFormation still has. Data spared because `--delete-data`
 * was not passed is kept on purpose, as the stacks retained it, and does not count; data that
 * `--delete-data` could not delete (an attached volume) does.
 */
export function anythingLeft(result: TeardownResult): boolean {
  return result.outcomes.some((outcome) => outcome.status !== 'deleted' && outcome.status !== 'spared')
    || result.failures.length > 0 || result.deployed.length > 0;
}

/**
 * The report: what was found where, grouped by account and region and kind, what became of each,
 * the searches that could not run and why, a summary table, and what to do next.
 */
export function renderReport(result: TeardownResult): string {
  const { request, footprint } = result;
  const lines: string[] = [
    `Teardown of ${request.applications.join(', ')} from ${request.assemblyDirectory}: ${headline(result)}.`,
    `${footprint.stacks.length} stacks; looked in ${footprint.locations.map(locationKey).join(', ')}.`,
  ];
  for (const location of footprint.locations) {
    const here = result.outcomes.filter((outcome) => locationKey(outcome.leftover.location) === locationKey(location));
    if (here.length === 0) continue;
    lines.push('', locationKey(location));
    for (const kind of DELETION_ORDER) {
      const ofKind = here.filter((outcome) => outcome.leftover.kind === kind);
      if (ofKind.length === 0) continue;
      lines.push(`  ${kind} (${ofKind.length})`);
      ofKind.forEach((outcome) => lines.push(`    ${outcomeLine(outcome, request.delete)}`));
    }
  }
  if (result.outcomes.length === 0) lines.push('', 'Found nothing.');
  if (result.leftAlone.length > 0) {
    lines.push('', 'Left alone, not made by cdk-immutable-servers (yours, or no longer ours; never deleted):');
    result.leftAlone.forEach((found) => lines.push(`  ${locationKey(found.location)}  ${found.kind}  ${found.id}  (${found.why})`));
  }
  if (result.deployed.length > 0) {
    lines.push('', 'Stacks still deployed (cdk destroy --all deletes them):');
    result.deployed.forEach((stack) => lines.push(`  ${locationKey(stack.location)}  ${stack.name}  ${stack.status}`));
  }
  if (result.failures.length > 0) {
    lines.push('', 'Searches that could not run (what they look for may still be there):');
    result.failures.forEach((failure) => lines.push(`  ${locationKey(failure.location)}  ${failure.search}: ${failure.cause}`));
  }
  lines.push('', ...summaryTable(result), '', 'Next:', ...nextSteps(result).map((step) => `  - ${step}`));
  return lines.join('\n') + '\n';
}

function headline({ request, outcomes }: TeardownResult): string {
  if (!request.delete) return 'dry run, nothing is deleted';
  if (request.deleteData) return 'deleting, data volumes and their snapshots too';
  return outcomes.some((outcome) => outcome.leftover.isData) ? 'deleting, but no data (data volumes and their snapshots are kept)' : 'deleting';
}

function outcomeLine(outcome: Outcome, deleting: boolean): string {
  const { leftover } = outcome;
  const detail = leftover.detail && leftover.detail.length > DETAIL_LENGTH ? `${leftover.detail.slice(0, DETAIL_LENGTH - 1)}…` : leftover.detail;
  const what = [leftover.id, detail, `(${leftover.foundBy})`].filter(Boolean).join('  ');
  if (outcome.status === 'spared') return `${what}  -> ${outcome.note}`;
  if (!deleting) return what;
  const status = outcome.status === 'failed' ? 'FAILED' : outcome.status;
  return `${what}  -> ${status}${outcome.note ? `: ${outcome.note}` : ''}`;
}

function summaryTable(result: TeardownResult): string[] {
  // A column for the data kept only when some is: it is neither deleted nor left.
  const withData = result.outcomes.some((outcome) => outcome.status === 'spared');
  const rows = result.footprint.locations.flatMap((location) => DELETION_ORDER.flatMap((kind) => {
    const ofRow = result.outcomes.filter(({ leftover }) => leftover.kind === kind && locationKey(leftover.location) === locationKey(location));
    return ofRow.length === 0 ? [] : [[locationKey(location), kind, ...counts(ofRow, withData)]];
  }));
  const header = ['account/region', 'kind', 'found', 'deleted', ...withData ? ['data kept'] : [], 'left'];
  const table = [header, ...rows, ['total', '', ...counts(result.outcomes, withData)]];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  return ['Summary:', ...table.map((row) => '  ' + row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ').trimEnd())];
}

/** `2 data volumes (40 GiB) and 3 snapshots of them` */
function dataText(outcomes: Outcome[]): string {
  const volumes = outcomes.filter((outcome) => outcome.leftover.kind === LeftoverKind.DATA_VOLUME);
  const snapshots = outcomes.filter((outcome) => outcome.leftover.kind === LeftoverKind.DATA_SNAPSHOT);
  const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  const gib = volumes.reduce((sum, outcome) => sum + (outcome.leftover.sizeGiB ?? 0), 0);
  return [
    volumes.length > 0 ? `${plural(volumes.length, 'data volume')} (${gib} GiB)` : undefined,
    snapshots.length > 0 ? `${plural(snapshots.length, 'snapshot')} releases took of them` : undefined,
  ].filter(Boolean).join(' and ');
}

function counts(outcomes: Outcome[], withData: boolean): string[] {
  const deleted = outcomes.filter((outcome) => outcome.status === 'deleted').length;
  const spared = outcomes.filter((outcome) => outcome.status === 'spared').length;
  return [outcomes.length, deleted, ...withData ? [spared] : [], outcomes.length - deleted - spared].map(String);
}

function nextSteps(result: TeardownResult): string[] {
  const { request } = result;
  const command = `npx cdk-immutable-servers teardown ${request.applications.join(' ')} --app ${request.assemblyDirectory}`;
  const deleteCommand = `${command} --delete --confirm ${request.applications.join(',')}`;
  const remaining = result.outcomes.filter((outcome) => outcome.status !== 'deleted' && outcome.status !== 'spared');
  const failed = remaining.filter((outcome) => outcome.status === 'failed');
  const spared = result.outcomes.filter((outcome) => outcome.status === 'spared');
  const attached = remaining.filter((outcome) => outcome.status === 'kept' && outcome.note === outcome.leftover.keptBecause);
  const steps: string[] = [];
  if (result.failures.length > 0) {
    steps.push(`Remove what stopped the searches above (credentials, permissions) and run ${command} again: what they look for may still be there.`);
  }
  if (failed.length > 0) {
    steps.push(`${failed.length} could not be deleted: remove the causes named above, then run ${deleteCommand} again.`);
  }
  if (result.deployed.length > 0) {
    if (remaining.some((outcome) => BEFORE_THE_STACKS.has(outcome.leftover.kind) && outcome.status === 'listed')) {
      steps.push(`Delete Image Builder's leftovers first, which could stop CloudFormation deleting the recipe: ${deleteCommand}`);
    }
    steps.push('Destroy the stacks: npx cdk destroy --all, with the context the app was deployed with.');
    steps.push(`Then delete what waits for them: ${deleteCommand}`);
  } else if (remaining.some((outcome) => outcome.status === 'listed')) {
    steps.push(`Delete what is listed: ${deleteCommand}`);
  }
  if (attached.length > 0) {
    steps.push(`${attached.length} data volume${attached.length === 1 ? ' is' : 's are'} attached to an instance, and never deleted while attached: `
      + `stop what uses ${attached.length === 1 ? 'it' : 'them'} and detach ${attached.length === 1 ? 'it' : 'them'}, then run ${deleteCommand} --delete-data again.`);
  }
  if (spared.length > 0) {
    steps.push(`Your data is kept: ${dataText(spared)}, listed above. Copy what you need, then delete it with ${deleteCommand} --delete-data `
      + '(attached volumes are never deleted), or keep it: it does not count as left, and costs what EBS charges for it.');
  }
  if (steps.length === 0 || (steps.length === 1 && spared.length > 0)) {
    steps.push(`Nothing ${spared.length > 0 ? 'else ' : ''}of ${request.applications.join(', ')} is left that the command looks for. What it does not look for is in the README, "Tear an application down".`);
  }
  return steps;
}
