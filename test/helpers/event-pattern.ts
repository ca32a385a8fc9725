/**
 * Which events an EventBridge event pattern matches, as moto's EventBridge emulator (in the
 * project's venv) matches them: its pattern parser refuses what EventBridge refuses, and its
 * matcher implements `$or`, `prefix`, `exists` and the other operators. One Python process per call.
 */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

const VENV_PYTHON = join(__dirname, '..', '..', '.venv', 'bin', 'python3');

const MATCH = `
import json, sys
from moto.events.models import EventPattern
request = json.load(sys.stdin)
pattern = EventPattern.load(json.dumps(request["pattern"]))
print(json.dumps([pattern.matches_event(event) for event in request["events"]]))
`;

/** For each event, whether `pattern` (as synthesized into a template) matches it. */
export function matchesEventPattern(pattern: unknown, events: unknown[]): boolean[] {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(`${VENV_PYTHON} is missing: run 'bash scripts/setup.sh', which installs moto from requirements-dev.txt`);
  }
  const run = spawnSync(VENV_PYTHON, ['-c', MATCH], { input: JSON.stringify({ pattern, events }), encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`moto could not match the pattern: ${run.stderr}`);
  }
  return JSON.parse(run.stdout);
}
