/**
 * moto_server, the AWS emulator the journeys keep Systems Manager parameters and EC2 images in:
 * started on 127.0.0.1 from the project's venv on a free port, on the journey's clock
 * (`moto-clock.py`), stopped by the caller.
 */
import { ChildProcess, spawn } from 'child_process';
import { existsSync } from 'fs';
import { createServer } from 'net';
import { join } from 'path';

const VENV_PYTHON = join(__dirname, '..', '..', '..', '.venv', 'bin', 'python3');
const LAUNCHER = join(__dirname, 'moto-clock.py');
const STARTUP_TIMEOUT_MS = 30_000;

export interface MotoServer {
  /** e.g. `http://127.0.0.1:50123` */
  readonly endpoint: string;
  /** Forgets every resource of every account and region. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** @param clockFile the file that holds the simulated time moto stamps resources with */
export async function startMotoServer(clockFile: string): Promise<MotoServer> {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(`${VENV_PYTHON} is missing: run 'bash scripts/setup.sh', which installs moto[server] from requirements-dev.txt`);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(VENV_PYTHON, [LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, JOURNEY_CLOCK_FILE: clockFile },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  await waitUntilServing(endpoint, child, () => stderr);
  return {
    endpoint,
    reset: async () => {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
    },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited with ${child.exitCode}: ${stderr()}`);
    }
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`moto_server did not answer on ${endpoint} within ${STARTUP_TIMEOUT_MS / 1000} s: ${stderr()}`);
}
