/**
 * Preloaded with `node --require` by everything that runs the example and integ apps outside
 * jest (their cdk.json, scripts/lib/apps.ts; through NODE_OPTIONS, child processes too):
 *  - `cdk-immutable-servers`, which the examples import as users' apps do, resolves to this
 *    checkout's source, `src/index.ts` (ts-node compiles it);
 *  - with NEWEST_CDK_MODULES set (scripts/newest-cdk.sh), aws-cdk-lib, constructs, cdk-nag and
 *    @aws-cdk/integ-tests-alpha resolve from that node_modules folder instead of the project's, so
 *    a gate can synthesize the same apps with the newest aws-cdk-lib while the project stays built
 *    against its floor.
 * Jest resolves modules itself: its moduleNameMapper (package.json, scripts/newest-cdk.jest.config.js)
 * maps the same names.
 */
const Module = require('module');
const path = require('path');

const LIBRARY = path.join(__dirname, '..', '..', 'src', 'index.ts');
const newestModules = process.env.NEWEST_CDK_MODULES;
const CDK_PACKAGES = /^(aws-cdk-lib|constructs|cdk-nag|@aws-cdk\/integ-tests-alpha)(\/|$)/;

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveForGates(request, ...rest) {
  if (request === 'cdk-immutable-servers') {
    return LIBRARY;
  }
  return resolve.call(this, newestModules && CDK_PACKAGES.test(request) ? path.join(newestModules, request) : request, ...rest);
};
