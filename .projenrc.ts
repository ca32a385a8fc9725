import { awscdk, javascript, ReleasableCommits } from 'projen';

/**
 * The floor of the aws-cdk-lib peer dependency: the first release with
 * `UpdatePolicy.instanceRefresh()` (absent in 2.262.0, present in 2.263.0).
 * The devDependency is pinned to it so that every test proves the floor works.
 */
const CDK_FLOOR = '2.263.0';
/** Newest integ-tests-alpha; its peer range (`aws-cdk-lib ^2.245.0`) accepts the floor. */
const INTEG_TESTS_ALPHA = '2.245.0-alpha.0';

/** The workflows' step that installs what the gates run (Python tools, shellcheck), after npm. */
const SETUP_STEP = { name: 'Install the tools the tests run', run: 'bash scripts/setup.sh' };

/** Folders that are type-checked and linted but never shipped in the npm tarball. */
const DEV_DIRS = ['test', 'integ', 'examples', 'scripts'];

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-immutable-servers',
  description: 'AWS CDK constructs for immutable servers: bake applications into AMIs, roll them out by replacing instances, promote the same AMI through environments.',
  keywords: ['cdk', 'awscdk', 'ami', 'image-builder', 'immutable-infrastructure', 'autoscaling', 'codepipeline'],
  license: 'Apache-2.0',
  author: 'cdk-immutable-servers contributors',
  authorAddress: 'maintainers@cdk-immutable-servers.dev',
  repositoryUrl: 'https://github.com/cdk-immutable-servers/cdk-immutable-servers.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // What jsii and aws-cdk-lib support: Node.js 20 reached its end of life on 2026-10-30.
  minNodeVersion: '22.0.0',

  jsiiVersion: '~6.0.0',
  cdkVersion: CDK_FLOOR,
  constructsVersion: '10.5.1',
  devDeps: [
    `@aws-cdk/integ-tests-alpha@${INTEG_TESTS_ALPHA}`,
    '@aws-cdk/cloudformation-diff@^2.187.5',
    'cdk-nag@^3.0.2',
    'asl-validator@^4.0.0',
    'aws-local-stepfunctions@3.0.0',
    // Evaluates JSONata states in tests: aws-local-stepfunctions 3 runs JSONPath only.
    'jsonata@2.2.2',
    'yaml@^2.8.0',
    // The CDK CLI: the examples synthesize with `npx cdk synth`, as a user's app would.
    'aws-cdk@^2.1100.0',
  ],
  // The teardown command (`npx cdk-immutable-servers teardown`) calls AWS with the SDK. jsii lets a
  // library depend at run time on jsii modules only, unless the others are bundled into its tarball.
  // The journeys call the emulator with the same clients, so that serialization is real there too.
  bundledDeps: [
    '@aws-sdk/client-cloudformation@^3.1178.0',
    '@aws-sdk/client-cloudwatch-logs@^3.1178.0',
    '@aws-sdk/client-ec2@^3.1178.0',
    // The newest version the npm registry serves.
    '@aws-sdk/client-imagebuilder@^3.1046.0',
    '@aws-sdk/client-kms@^3.1178.0',
    '@aws-sdk/client-s3@^3.1178.0',
    '@aws-sdk/client-ssm@^3.1178.0',
    '@aws-sdk/client-sts@^3.1178.0',
    '@aws-sdk/credential-provider-ini@^3.973.32',
  ],
  // Compiled from src/cli, which src/index.ts does not export: the jsii API has no trace of it.
  bin: { 'cdk-immutable-servers': 'lib/cli/main.js' },

  publishToPypi: {
    distName: 'cdk-immutable-servers',
    module: 'cdk_immutable_servers',
  },
  // Maven Central namespaces are verified domains: the project's is cdk-immutable-servers.dev.
  publishToMaven: {
    mavenGroupId: 'dev.cdk-immutable-servers',
    mavenArtifactId: 'cdk-immutable-servers',
    javaPackage: 'dev.cdkimmutableservers',
  },
  // Go modules are published by pushing jsii-pacmak's module to this repository (its
  // cdkimmutableservers/ folder), which `go get` then serves.
  publishToGo: {
    moduleName: 'github.com/cdk-immutable-servers/cdk-immutable-servers-go',
    packageName: 'cdkimmutableservers',
  },

  // CI is `.ci/run`. The GitHub workflows are what a maintainer releases with (CONTRIBUTING.md,
  // "Releasing"): build.yml runs projen's build on pull requests, pull-request-lint.yml keeps
  // their titles conventional commits, release.yml versions each push to main from its
  // conventional commits and publishes to npm, PyPI, Maven Central and the Go module repository.
  github: true,
  githubOptions: { mergify: false },
  pullRequestTemplate: false,
  buildWorkflow: true,
  release: true,
  workflowNodeVersion: '24.x',
  // The jest suite runs the gates' tools (cfn-lint, shellcheck, moto): install them after npm.
  buildWorkflowOptions: { preBuildSteps: [SETUP_STEP] },
  releaseWorkflowSetupSteps: [SETUP_STEP],
  // Only a feat or fix (or a breaking change) releases; chore, docs, test and ci commits do not.
  releasableCommits: ReleasableCommits.featuresAndFixes(),
  // projen would make the first release 0.0.0; start at 0.1.0 instead.
  nextVersionCommand: '[ -n "$LATEST_TAG" ] || echo 0.1.0',
  depsUpgrade: false,

  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: [...DEV_DIRS.map((dir) => `${dir}/**/*.ts`), 'src/**/*.ts', '.projenrc.ts'],
    // The examples import the library by its package name, as users' apps do: its source here.
    compilerOptions: { rootDir: '.', noEmit: true, paths: { 'cdk-immutable-servers': ['./src'] } },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: DEV_DIRS,
    // Lint with the dev tsconfig, which covers every folder (the root one covers src/ only).
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
    commandOptions: { fix: false, extraArgs: ['--max-warnings=0'] },
  },
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // No gate reads coverage, and collecting it made every test file about a third slower.
      collectCoverage: false,
      setupFiles: ['<rootDir>/test/helpers/skip-synth-validation.ts'],
      // The examples import the library by its package name, as users' apps do: its source here.
      moduleNameMapper: { '^cdk-immutable-servers$': '<rootDir>/src' },
      // Gate tests synthesize apps and run external linters; give them room on 2 cores.
      testTimeout: 120_000,
    },
  },
  // The local tool folders without a trailing slash: a worktree's symlinks to the main checkout's
  // are ignored too, so that no commit adds them (checking one out would replace the folders).
  gitignore: ['/cdk.out/', 'examples/*/cdk.out/', '/.jsii.tabl.json', '/.venv', '/.venv-bindings', '/.gates', '/node_modules', 'integ/**/*.snapshot/asset.*'],
});

// The examples import the library by its package name: lint it as the project's own module
// (after external packages), not as a dependency missing from package.json.
project.tryFindObjectFile('.eslintrc.json')!.addToArray('overrides', {
  files: ['examples/**/*.ts'],
  settings: { 'import/internal-regex': '^cdk-immutable-servers$' },
});

// test/java's Maven build output; added after the constructor, whose `!/test/` drops any
// ignore pattern under test/ given before it.
project.gitignore.exclude('/test/java/target/');

// Local tool and gate outputs (venvs, synthesized apps) must never reach the npm tarball either.
const LOCAL_OUTPUTS = ['/.venv/', '/.venv-bindings/', '/.gates/', '/cdk.out/', '/test-reports/', '/.jsii.tabl.json'];
for (const pattern of [...DEV_DIRS.map((dir) => `/${dir}/`), ...LOCAL_OUTPUTS, '/docs/', '/CONTRIBUTING.md', '/.ci/', '/rosetta/', '/requirements-dev.txt', '/tsconfig.dev.json', '/api-baseline/', '/allowed-breaking-changes.txt']) {
  project.addPackageIgnore(pattern);
}
// The API baseline is a jsii assembly, which projen's .gitignore ignores everywhere as a build output.
project.gitignore.include('/api-baseline/.jsii');

// jsii tools print an end-of-life banner for Node 20 on every run; it is harmless here. The
// variable lists the Node major versions to stay silent about, so name the running one.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '$(node -p "process.versions.node.split(\'.\')[0]")');

// Type-check everything that is not library source (jest transpiles without checking types).
project.addTask('typecheck', {
  description: 'Type-check tests, integ apps, examples and scripts',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});

const tsNode = 'TS_NODE_PROJECT=tsconfig.dev.json TS_NODE_TRANSPILE_ONLY=true ts-node';

project.addTask('integ', {
  description: 'Verify integ snapshots offline (no AWS account); fails on drift, missing snapshots or destructive changes',
  exec: `${tsNode} scripts/integ-snapshots.ts`,
});
project.addTask('integ:update', {
  description: 'Refresh integ snapshots offline (nothing is deployed); refuses destructive changes unless given --allow-destructive',
  exec: `${tsNode} scripts/integ-snapshots.ts --update`,
  receiveArgs: true,
});
project.addTask('synth:example', {
  description: 'Synthesize the TypeScript example with `npx cdk synth` into examples/typescript/cdk.out and summarize its stacks',
  exec: `${tsNode} scripts/synth-example.ts`,
});
project.addTask('gate:templates', {
  description: 'Synthesize every example and integ app; cfn-lint every template and shellcheck every generated script',
  exec: `${tsNode} scripts/check-templates.ts`,
});
project.addTask('rollout:table', {
  description: 'Print the modelled rollout waves and durations of the default instance refresh policy (a model, not a measurement)',
  exec: `${tsNode} scripts/rollout-table.ts`,
});
project.addTask('bench:bake', {
  description: 'Print the image builds the bake runs for 10 commits of which 6 change nothing installed, against baking every commit (builds measured locally; minutes modelled)',
  exec: `${tsNode} scripts/bake-benchmark.ts`,
});
project.addTask('bench:scale', {
  description: 'Print synth time, resources and template size of ImmutableAmiPipelines with 1, 5 and 20 environments (measured)',
  exec: `${tsNode} scripts/pipeline-scale.ts`,
});
project.addTask('journeys', {
  description: 'Run the journeys (months of commits, patch runs, new accounts, returns) against moto and the simulations, and print builds, replacements, approvals and checked calls per journey',
  exec: `${tsNode} scripts/journeys.ts`,
  receiveArgs: true,
});
project.addTask('docs:snippets', {
  description: 'Compile every TypeScript snippet of the README and of the API docs (@example) with jsii-rosetta; fails on any error',
  exec: 'jsii-rosetta extract --strict --fail .jsii',
});
project.addTask('gate:python', {
  description: 'Build the Python wheel, install it into a fresh venv and run the pytest suite',
  exec: 'bash scripts/check-python-bindings.sh',
  receiveArgs: true,
});
project.addTask('gate:go', {
  description: 'Generate the Go module and run test/go (the quick start in Go) against it',
  exec: 'bash scripts/check-go-bindings.sh',
});
project.addTask('gate:java', {
  description: 'Build the Java jar and run test/java (the quick start in Java) against it',
  exec: 'bash scripts/check-java-bindings.sh',
});
project.addTask('gate:release', {
  description: 'Check that the files projen generates (workflows among them) are current and that actionlint passes the workflows',
  exec: 'bash scripts/check-release.sh',
});
// jsii-docgen would document the committed baseline's assembly, which has the package's name and version too.
project.tasks.tryFind('docgen')!.reset('bash scripts/docgen.sh');
// projen's compat task compares with the package on npm; ours compares with the committed baseline.
project.tasks.tryFind('compat')!.reset('bash scripts/check-api-compat.sh', { receiveArgs: true });
project.tasks.tryFind('compat')!.description = 'Fail on a breaking API change since the baseline (api-baseline/) that allowed-breaking-changes.txt does not list';
project.addTask('api-baseline', {
  description: 'Make the compiled API the baseline of `compat` and empty allowed-breaking-changes.txt (run at a release; pass its version)',
  exec: 'bash scripts/update-api-baseline.sh',
  receiveArgs: true,
});

project.synth();
