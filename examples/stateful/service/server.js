// The `orders` service: a dependency-free Node.js HTTP server that keeps its orders in a file on
// the instance's data volume (DATA_DIR), which each release hands to the replacing instance.
// POST /orders appends the request body as one order; GET /orders counts them; GET /health
// answers 200 while the data folder can be written.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const port = Number(process.env.PORT ?? 8080);
const orders = path.join(process.env.DATA_DIR ?? '/var/lib/orders', 'orders.jsonl');

function count() {
  return fs.existsSync(orders) ? fs.readFileSync(orders, 'utf-8').split('\n').filter(Boolean).length : 0;
}

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/health') {
    fs.access(path.dirname(orders), fs.constants.W_OK, (error) => response.writeHead(error ? 503 : 200).end(error ? 'no data folder\n' : 'ok\n'));
  } else if (request.method === 'GET' && request.url === '/orders') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ orders: count() }) + '\n');
  } else if (request.method === 'POST' && request.url === '/orders') {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      // fsync before answering: an order acknowledged is an order on the volume.
      const fd = fs.openSync(orders, 'a');
      fs.writeSync(fd, JSON.stringify({ at: new Date().toISOString(), order: body }) + '\n');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ orders: count() }) + '\n');
    });
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
});

server.listen(port, () => console.log(`orders listening on port ${server.address().port}, data in ${orders}`));
// systemd stops the service with SIGTERM before it unmounts the volume: finish open requests, then exit.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
