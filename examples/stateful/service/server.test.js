'use strict';
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');

async function start(dataDir) {
  const server = spawn(process.execPath, [path.join(__dirname, 'server.js')], { env: { ...process.env, PORT: '0', DATA_DIR: dataDir } });
  const port = await new Promise((resolve) => server.stdout.on('data', (line) => resolve(/port (\d+)/.exec(String(line))[1])));
  return { server, url: `http://127.0.0.1:${port}` };
}

test('orders written by one server are there for the next one on the same data folder', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orders-'));
  const first = await start(dataDir);
  assert.strictEqual((await fetch(`${first.url}/orders`, { method: 'POST', body: 'one book' })).status, 201);
  first.server.kill('SIGTERM');
  await new Promise((resolve) => first.server.on('exit', resolve));

  const second = await start(dataDir);
  assert.deepStrictEqual(await (await fetch(`${second.url}/orders`)).json(), { orders: 1 });
  assert.strictEqual((await fetch(`${second.url}/health`)).status, 200);
  second.server.kill('SIGTERM');
});

test('without its data folder, the server is not healthy', async () => {
  const { server, url } = await start(path.join(os.tmpdir(), 'orders-missing', 'data'));
  assert.strictEqual((await fetch(`${url}/health`)).status, 503);
  server.kill('SIGTERM');
});
