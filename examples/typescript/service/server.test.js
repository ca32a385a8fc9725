// Run by the buildspec (`node --test`) before anything is packaged: a failing test stops the
// pipeline before a bake.
'use strict';
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const test = require('node:test');
const assert = require('node:assert');

test('answers /health with 200 and / with its greeting', async () => {
  const server = spawn(process.execPath, [`${__dirname}/server.js`], { env: { ...process.env, PORT: '0', GREETING: 'hi', ENVIRONMENT: 'test' } });
  try {
    const [line] = await once(server.stdout, 'data');
    const port = /port (\d+)/.exec(String(line))[1];
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.strictEqual(health.status, 200);
    const root = await (await fetch(`http://127.0.0.1:${port}/`)).json();
    assert.deepStrictEqual(root, { greeting: 'hi', environment: 'test' });
  } finally {
    server.kill('SIGTERM');
  }
});
