/**
 * Preloaded with `node --require` (through NODE_OPTIONS, so child processes get it too): resolves
 * aws-cdk-lib, constructs and cdk-nag from the node_modules folder named by NEWEST_CDK_MODULES
 * instead of the project's, so that a gate can synthesize the same apps with the newest
 * aws-cdk-lib while the project stays built against its peer floor. Jest resolves modules itself:
 * scripts/newest-cdk.jest.config.js maps the same packages for it.
 */
const Module = require('module');
const path = require('path');

const modules = process.env.NEWEST_CDK_MODULES;
const REDIRECTED = /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/;

if (modules) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveFromNewest(request, ...rest) {
    return resolve.call(this, REDIRECTED.test(request) ? path.join(modules, request) : request, ...rest);
  };
}
