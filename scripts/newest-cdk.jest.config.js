/**
 * The project's jest configuration, with aws-cdk-lib, constructs and cdk-nag resolved from the
 * node_modules folder named by NEWEST_CDK_MODULES (see scripts/newest-cdk.sh).
 */
const path = require('path');
const { jest: projectConfig } = require('../package.json');

const modules = process.env.NEWEST_CDK_MODULES;
if (!modules) {
  throw new Error('NEWEST_CDK_MODULES must name the node_modules folder of the newest aws-cdk-lib: run scripts/newest-cdk.sh');
}

module.exports = {
  ...projectConfig,
  rootDir: path.join(__dirname, '..'),
  // No junit report: the floor's run writes the one CI reads.
  reporters: ['default'],
  moduleNameMapper: {
    ...projectConfig.moduleNameMapper,
    ...Object.fromEntries(['aws-cdk-lib', 'constructs', 'cdk-nag'].flatMap((name) => [
      [`^${name}$`, path.join(modules, name)],
      [`^${name}/(.*)$`, `${path.join(modules, name)}/$1`],
    ])),
  },
};
