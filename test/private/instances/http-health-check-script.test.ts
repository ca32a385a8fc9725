import { spawn } from 'child_process';
import * as http from 'http';
import { AddressInfo } from 'net';
import { Token } from 'aws-cdk-lib';
import { shellcheck } from '../../../scripts/lib/shellcheck';
import { HttpHealthCheck, renderHttpHealthCheckScript } from '../../../src/private/instances/http-health-check-script';

const check: HttpHealthCheck = { port: 8080, path: '/health', expectedStatus: 200, attempts: 3, intervalSeconds: 1 };

/** Serves `statuses` in order (repeating the last) on a loopback port. */
async function serveStatuses(...statuses: number[]): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    response.statusCode = request.url === '/health' ? (statuses.length > 1 ? statuses.shift()! : statuses[0]) : 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function runScript(script: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script]);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('renderHttpHealthCheckScript', () => {
  test('given a valid check, then the script passes shellcheck with no finding at any severity', () => {
    expect(shellcheck(renderHttpHealthCheckScript(check))).toEqual([]);
  });

  test('given a service that becomes healthy on the second probe, then the script retries and exits 0', async () => {
    const server = await serveStatuses(503, 200);
    try {
      const port = (server.address() as AddressInfo).port;

      const result = await runScript(renderHttpHealthCheckScript({ ...check, port }));

      expect(result.code).toBe(0);
      expect(result.output).toContain(`Attempt 1 of 3: http://127.0.0.1:${port}/health gave status 503, expected 200`);
      expect(result.output).toContain('answered 200 on attempt 2 of 3');
    } finally {
      server.close();
    }
  });

  test('given a service that never answers the expected status, then the script gives up after the bounded attempts and exits 1', async () => {
    const server = await serveStatuses(500);
    try {
      const port = (server.address() as AddressInfo).port;

      const result = await runScript(renderHttpHealthCheckScript({ ...check, port, attempts: 2 }));

      expect(result.code).toBe(1);
      expect(result.output.match(/^Attempt \d of 2/gm)).toHaveLength(2);
      expect(result.output).toContain(`Health check failed: http://127.0.0.1:${port}/health did not answer 200 within 2 attempts`);
    } finally {
      server.close();
    }
  });

  test('given nothing listens on the port, then each attempt says there was no answer', async () => {
    const server = await serveStatuses(200);
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));

    const result = await runScript(renderHttpHealthCheckScript({ ...check, port, attempts: 1 }));

    expect(result.code).toBe(1);
    expect(result.output).toContain(`Attempt 1 of 1: http://127.0.0.1:${port}/health gave no answer, expected 200`);
  });

  test('given a deploy-time token as the port, then rendering fails rather than write the token text into the script', () => {
    expect(() => renderHttpHealthCheckScript({ ...check, port: Token.asNumber({ Ref: 'Port' }) }))
      .toThrow(/^Health check port must be a literal value known at synth time, got a token/);
  });

  test.each([
    [{ port: 0 }, 'Health check port must be an integer from 1 to 65535, got 0'],
    [{ port: 70000 }, 'Health check port must be an integer from 1 to 65535, got 70000'],
    [{ port: 80.5 }, 'Health check port must be an integer from 1 to 65535, got 80.5'],
    [{ path: 'health' }, "Health check path must start with '/', got 'health'"],
    [{ path: '/health;reboot' }, "Health check path may only contain letters, digits and . _ ~ - / ? = & %, got '/health;reboot'"],
    [{ path: '/$(id)' }, "Health check path may only contain letters, digits and . _ ~ - / ? = & %, got '/$(id)'"],
    [{ expectedStatus: 99 }, 'Health check expected status must be an HTTP status from 100 to 599, got 99'],
    [{ attempts: 0 }, 'Health check attempts must be a whole number of at least 1, got 0'],
    [{ intervalSeconds: 0.5 }, 'Health check interval must be a whole number of seconds of at least 1, got 0.5'],
  ])('given %p, then rendering fails with an error naming the bad value', (override, message) => {
    expect(() => renderHttpHealthCheckScript({ ...check, ...override })).toThrow(message);
  });
});
