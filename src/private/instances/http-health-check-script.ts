import { Token } from 'aws-cdk-lib';

/**
 * An HTTP probe of a service on the local machine, retried within a bounded window.
 *
 * Image Builder test phases and instance user data both need "wait until the service answers";
 * a single-shot probe fails on every slow start, so the probe always retries.
 */
export interface HttpHealthCheck {
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** Request path, starting with `/`. */
  readonly path: string;
  /** HTTP status that counts as healthy. */
  readonly expectedStatus: number;
  /** Number of probes before giving up. */
  readonly attempts: number;
  /** Pause between probes. */
  readonly intervalSeconds: number;
}

/** Characters allowed in a health check path: enough for real paths, nothing a shell would expand. */
const SAFE_PATH = /^\/[A-Za-z0-9._~\-/?=&%]*$/;

/**
 * Throws an error naming the bad value for every field Image Builder or the shell would trip over.
 */
export function validateHttpHealthCheck(check: HttpHealthCheck): void {
  const { port, path, expectedStatus, attempts, intervalSeconds } = check;
  // The values are written into a script at synth time; a deploy-time token would reach the
  // instance as its placeholder text, so it is refused rather than skipped.
  for (const [field, value] of Object.entries({ port, path, 'expected status': expectedStatus })) {
    if (Token.isUnresolved(value)) {
      throw new Error(`Health check ${field} must be a literal value known at synth time, got a token (${value})`);
    }
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`Health check port must be an integer from 1 to 65535, got ${port}`);
  }
  if (!path.startsWith('/')) {
    throw new Error(`Health check path must start with '/', got '${path}'`);
  }
  if (!SAFE_PATH.test(path)) {
    throw new Error(`Health check path may only contain letters, digits and . _ ~ - / ? = & %, got '${path}'`);
  }
  if (!Number.isInteger(expectedStatus) || expectedStatus < 100 || expectedStatus > 599) {
    throw new Error(`Health check expected status must be an HTTP status from 100 to 599, got ${expectedStatus}`);
  }
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new Error(`Health check attempts must be a whole number of at least 1, got ${attempts}`);
  }
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1) {
    throw new Error(`Health check interval must be a whole number of seconds of at least 1, got ${intervalSeconds}`);
  }
}

/**
 * Renders a bash script that probes `http://127.0.0.1:<port><path>` until it answers the expected
 * status or the attempts run out, printing each attempt so a failed build log says why.
 */
export function renderHttpHealthCheckScript(check: HttpHealthCheck): string {
  validateHttpHealthCheck(check);
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    `url='http://127.0.0.1:${check.port}${check.path}'`,
    `expected_status='${check.expectedStatus}'`,
    `attempts=${check.attempts}`,
    `interval_seconds=${check.intervalSeconds}`,
    'for attempt in $(seq 1 "$attempts"); do',
    '  status="$(curl --silent --output /dev/null --max-time 5 --write-out \'%{http_code}\' "$url" || true)"',
    '  if [ "$status" = "$expected_status" ]; then',
    '    echo "Health check passed: $url answered $status on attempt $attempt of $attempts"',
    '    exit 0',
    '  fi',
    // curl reports 000 when nothing answered at all (refused, timed out).
    '  if [ "$status" = "000" ]; then answer="no answer"; else answer="status $status"; fi',
    '  echo "Attempt $attempt of $attempts: $url gave $answer, expected $expected_status; retrying in ${interval_seconds}s"',
    '  sleep "$interval_seconds"',
    'done',
    'echo "Health check failed: $url did not answer $expected_status within $attempts attempts. Check the service output in /var/log/<service>/service.log." >&2',
    'exit 1',
    '',
  ].join('\n');
}
