import { spawnSync } from 'child_process';
import { SETUP_HINT } from './project';

/** One shellcheck finding, as its `json1` format reports it. */
export interface ShellcheckFinding {
  readonly line: number;
  readonly column: number;
  readonly level: 'error' | 'warning' | 'info' | 'style';
  readonly code: number;
  readonly message: string;
}

/**
 * Runs `shellcheck` over a script given as text (with its shebang) and returns every finding, at every severity:
 * a generated script has no excuse for style findings either.
 */
export function shellcheck(script: string): ShellcheckFinding[] {
  // No --shell: shellcheck follows each script's shebang, so a /bin/sh script is held to POSIX sh.
  const result = spawnSync('shellcheck', ['--format=json1', '--severity=style', '-'], {
    input: script,
    encoding: 'utf-8',
  });
  if (result.error) {
    throw new Error(`shellcheck could not run (${result.error.message}); ${SETUP_HINT}`);
  }
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`shellcheck failed with exit code ${result.status}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout).comments;
}

/** `SC2086 (info) line 3:6: Double quote to prevent globbing and word splitting.` */
export function formatShellcheckFinding(finding: ShellcheckFinding): string {
  return `SC${finding.code} (${finding.level}) line ${finding.line}:${finding.column}: ${finding.message}`;
}
