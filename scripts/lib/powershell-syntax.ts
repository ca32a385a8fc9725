import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT, SETUP_HINT } from './project';

/** One syntax error in a PowerShell script, 1-based. */
export interface PowerShellSyntaxError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** Python of the project-local venv, where `scripts/setup.sh` installs the pinned PowerShell grammar. */
const VENV_PYTHON = path.join(PROJECT_ROOT, '.venv', 'bin', 'python');
const CHECKER = path.join(PROJECT_ROOT, 'scripts', 'powershell-syntax.py');

/**
 * Parses PowerShell scripts with tree-sitter's PowerShell grammar and returns each script's syntax
 * errors, in the order given. One process for all of them: the parser loads once.
 */
export function powerShellSyntaxErrors(scripts: string[]): PowerShellSyntaxError[][] {
  if (!fs.existsSync(VENV_PYTHON)) {
    throw new Error(`The project venv is missing (${VENV_PYTHON}); ${SETUP_HINT}`);
  }
  if (scripts.length === 0) {
    return [];
  }
  const result = spawnSync(VENV_PYTHON, [CHECKER], { input: JSON.stringify(scripts), encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error || result.status !== 0) {
    throw new Error(`The PowerShell syntax check failed to run (exit code ${result.status}): ${result.error?.message ?? result.stderr}; ${SETUP_HINT}`);
  }
  return JSON.parse(result.stdout);
}

/** `line 3:5: missing }` */
export function formatPowerShellSyntaxError(error: PowerShellSyntaxError): string {
  return `line ${error.line}:${error.column}: ${error.message}`;
}
