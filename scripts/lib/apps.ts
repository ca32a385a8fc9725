import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from './project';

/** A CDK app of this repository, runnable with ts-node. */
export interface CdkApp {
  /** Path relative to the project root, e.g. `integ/integ.foundation-placeholder.ts`. */
  readonly file: string;
}

/** The TypeScript example apps: every `examples/<name>/app.ts`. */
export function exampleApps(): CdkApp[] {
  const examples = path.join(PROJECT_ROOT, 'examples');
  return fs.readdirSync(examples).sort()
    .filter((name) => fs.existsSync(path.join(examples, name, 'app.ts')))
    .map((name) => ({ file: `examples/${name}/app.ts` }));
}

/** Every example app and every integ app: what the template gates check. */
export function exampleAndIntegApps(): CdkApp[] {
  const integApps = fs.readdirSync(path.join(PROJECT_ROOT, 'integ'))
    .filter((name) => /^integ\..+\.ts$/.test(name))
    .sort()
    .map((name) => ({ file: `integ/${name}` }));
  return [...exampleApps(), ...integApps];
}

/** Resolves `cdk-immutable-servers`, which the examples import, to the source (and the newest aws-cdk-lib when asked). */
const MODULE_RESOLUTION = path.join(PROJECT_ROOT, 'scripts', 'lib', 'module-resolution.js');

/** Synthesizes one app into `outdir` (replaced if present) without touching AWS. */
export function synthesizeApp(app: CdkApp, outdir: string): void {
  fs.rmSync(outdir, { recursive: true, force: true });
  execFileSync(process.execPath, ['-r', 'ts-node/register', '-r', MODULE_RESOLUTION, app.file], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      TS_NODE_PROJECT: 'tsconfig.dev.json',
      TS_NODE_TRANSPILE_ONLY: 'true',
    },
  });
}

/** A synthesized stack template, read from a cloud assembly directory. */
export interface SynthesizedTemplate {
  readonly path: string;
  readonly body: { Resources?: Record<string, { Type: string; Properties?: Record<string, any> }> };
}

/** Every stack template in a cloud assembly directory, nested assemblies included. */
export function templatesIn(outdir: string): SynthesizedTemplate[] {
  return fs.readdirSync(outdir, { withFileTypes: true }).flatMap((entry) => {
    const entryPath = path.join(outdir, entry.name);
    if (entry.isDirectory() && entry.name.startsWith('assembly-')) {
      return templatesIn(entryPath);
    }
    if (entry.isFile() && entry.name.endsWith('.template.json')) {
      return [{ path: entryPath, body: JSON.parse(fs.readFileSync(entryPath, 'utf-8')) }];
    }
    return [];
  });
}
