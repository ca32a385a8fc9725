/**
 * A CodeBuild action of the simulated pipeline: its project's buildspec runs for real in bash, in
 * a copy of the input artifact, with the project's and the action's environment variables. Only
 * what cannot run here is stubbed: `aws s3 cp` writes into a local folder that stands for S3,
 * `aws stepfunctions describe-execution` reads the simulated executions, `npm` does nothing (the
 * journey's commits hold the files their build would leave).
 */
import { execFileSync } from 'child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';

export interface BuildResult {
  /** The output artifact's folder. */
  readonly output: string;
  /** The buildspec's exported variables. */
  readonly variables: Record<string, string>;
  readonly log: string;
}

const AWS_STUB = `#!/bin/bash
set -euo pipefail
case "$1 $2" in
  "s3 cp")
    shift 2
    files=()
    for argument in "$@"; do [[ $argument == --* ]] || files+=("$argument"); done
    target="$JOURNEY_S3/\${files[1]#s3://}"
    mkdir -p "$(dirname "$target")"
    cp "\${files[0]}" "$target" ;;
  "stepfunctions describe-execution")
    arn=""
    while [ $# -gt 0 ]; do [ "$1" = --execution-arn ] && arn="$2"; shift; done
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$JOURNEY_EXECUTIONS" "$arn" ;;
  *) echo "aws stub: $* is not simulated" >&2; exit 1 ;;
esac
`;

export class CodeBuildSimulation {
  private readonly bin: string;

  /** @param s3 the folder that stands for S3: `s3://bucket/key` is `<s3>/bucket/key` */
  constructor(public readonly s3: string, private readonly executionOutputs: () => Record<string, string>) {
    this.bin = mkdtempSync(join(tmpdir(), 'journey-bin-'));
    writeFileSync(join(this.bin, 'aws'), AWS_STUB);
    writeFileSync(join(this.bin, 'npm'), '#!/bin/bash\necho "npm stub: $*"\n');
    chmodSync(join(this.bin, 'aws'), 0o755);
    chmodSync(join(this.bin, 'npm'), 0o755);
  }

  public run(buildSpec: string, input: string | undefined, environment: Record<string, string>): BuildResult {
    const spec = JSON.parse(buildSpec);
    const work = mkdtempSync(join(tmpdir(), 'journey-build-'));
    if (input) cpSync(input, work, { recursive: true });
    const exported: string[] = spec.env?.['exported-variables'] ?? [];
    const exports = join(work, '.journey-exports');
    const executions = join(work, '.journey-executions.json');
    writeFileSync(executions, JSON.stringify(this.executionOutputs()));
    const script = [
      ...(spec.phases?.install?.commands ?? []), ...(spec.phases?.pre_build?.commands ?? []), ...(spec.phases?.build?.commands ?? []),
      ...exported.map((name: string) => `printf '%s=%s\\n' ${name} "\${${name}:-}" >> ${exports}`),
    ].join('\n');
    writeFileSync(join(work, '.journey-build.sh'), script);
    let log: string;
    try {
      log = execFileSync('bash', ['.journey-build.sh'], {
        cwd: work,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: `${this.bin}:${process.env.PATH}`, HOME: work, JOURNEY_S3: this.s3, JOURNEY_EXECUTIONS: executions, ...environment },
      });
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      throw new Error(`The build failed: ${failed.stderr ?? ''}${failed.stdout ?? ''}`);
    }
    const variables = existsSync(exports) ? Object.fromEntries(readFileSync(exports, 'utf8').trim().split('\n').filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])) : {};
    return { output: collectArtifacts(work, spec.artifacts?.files ?? []), variables, log };
  }
}

/** The output artifact: the files the buildspec names (`dist/**\/*` or file names). */
function collectArtifacts(work: string, patterns: string[]): string {
  const output = mkdtempSync(join(tmpdir(), 'journey-artifact-'));
  for (const pattern of patterns) {
    const path = pattern.replace(/\/\*\*\/\*$/, '');
    if (!existsSync(join(work, path))) throw new Error(`The build left no ${pattern}`);
    mkdirSync(dirname(join(output, path)), { recursive: true });
    cpSync(join(work, path), join(output, path), { recursive: true });
  }
  return output;
}
