// The `web` service: a dependency-free Node.js HTTP server. GET /health answers 200 while the
// process can serve; GET / says which release answers. Configuration comes from the environment
// file each deployment writes (/etc/web/environment), never from the image.
'use strict';
const http = require('node:http');

const port = Number(process.env.PORT ?? 8080);
const greeting = process.env.GREETING ?? 'Hello from an immutable server';

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (request.method === 'GET' && request.url === '/') {
    response.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ greeting, environment: process.env.ENVIRONMENT ?? 'unknown' }) + '\n');
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
});

server.listen(port, () => console.log(`web listening on port ${server.address().port}`));
// systemd and Auto Scaling stop instances with SIGTERM: finish open requests, then exit.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
