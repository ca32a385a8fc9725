import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, CfnResource, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { UsageError, madeByLibrary, readCloudAssembly } from '../../../src/cli/teardown/cloud-assembly';
import { markLibraryConstruct } from '../../../src/private/shared/library-construct';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function newApp(): App {
  return new App({ outdir: mkdtempSync(join(tmpdir(), 'cloud-assembly-')) });
}

function topic(scope: Stack, id: string): void {
  new CfnResource(scope, id, { type: 'AWS::SNS::Topic' });
}

describe('readCloudAssembly', () => {
  test('given stacks in two accounts and regions, then each is read with the name CloudFormation knows it by and its account and region', () => {
    const app = newApp();
    topic(new Stack(app, 'Pipeline', { env: ENV }), 'Topic');
    topic(new Stack(app, 'Prod', { env: { account: '222222222222', region: 'us-east-1' }, stackName: 'Web-prod' }), 'Topic');

    const stacks = readCloudAssembly(app.synth().directory);

    expect(stacks.map(({ name, location }) => ({ name, location }))).toEqual([
      { name: 'Pipeline', location: ENV },
      { name: 'Web-prod', location: { account: '222222222222', region: 'us-east-1' } },
    ]);
  });

  test('given a stack with nested stacks two deep, then their templates are read with the stack\'s', () => {
    const app = newApp();
    const stack = new Stack(app, 'Pipeline', { env: ENV });
    topic(stack, 'Top');
    const nested = new NestedStack(stack, 'Release');
    topic(nested, 'Middle');
    topic(new NestedStack(nested, 'Soak'), 'Bottom');

    const [read] = readCloudAssembly(app.synth().directory);

    const resourceIds = read.templates.flatMap((template) => Object.keys(template.Resources ?? {}).filter((id) => /^(Top|Middle|Bottom)$/.test(id)));
    expect(resourceIds.sort()).toEqual(['Bottom', 'Middle', 'Top']);
  });

  test('given a file asset an executable makes (it has no path), then the stack and its nested stacks are still read', () => {
    const app = newApp();
    const stack = new Stack(app, 'Pipeline', { env: ENV });
    topic(new NestedStack(stack, 'Release'), 'Nested');
    stack.synthesizer.addFileAsset({ sourceHash: 'built-by-a-command', executable: ['sh', '-c', 'echo artifact.zip'] });

    const [read] = readCloudAssembly(app.synth().directory);

    expect(read.templates.some((template) => 'Nested' in (template.Resources ?? {}))).toBe(true);
  });

  test('given resources under a construct the library marked, nested stacks\' among them, and beside it, then only those under it are the library\'s', () => {
    const app = newApp();
    const stack = new Stack(app, 'Pipeline', { env: ENV });
    const library = markLibraryConstruct(new Construct(stack, 'Recipe'), 'ApplicationImageRecipe');
    new CfnResource(library, 'Logs', { type: 'AWS::S3::Bucket' });
    new CfnResource(new NestedStack(library, 'Workflows'), 'WorkflowLogs', { type: 'AWS::Logs::LogGroup' });
    new CfnResource(stack, 'Data', { type: 'AWS::S3::Bucket' });
    // A construct id that starts like the library's is not under it.
    new CfnResource(new Construct(stack, 'RecipeData'), 'Key', { type: 'AWS::KMS::Key' });

    const [read] = readCloudAssembly(app.synth().directory);

    const logicalIds = read.templates.flatMap((template) => Object.keys(template.Resources ?? {}).filter((id) => !/NestedStack/.test(id)));
    expect(logicalIds.filter((id) => madeByLibrary(read, id)).sort()).toEqual([expect.stringMatching(/^RecipeLogs/), expect.stringMatching(/^WorkflowLogs/)]);
    expect(madeByLibrary(read, 'Data')).toBe(false);
    expect(logicalIds.some((id) => /^RecipeDataKey/.test(id) && madeByLibrary(read, id))).toBe(false);
    expect(madeByLibrary(read, 'NotInTheAssembly')).toBe(false);
  });

  test('given stacks in a stage, then they are read from its nested assembly', () => {
    const app = newApp();
    topic(new Stack(new Stage(app, 'Prod'), 'Web', { env: ENV }), 'Topic');

    const stacks = readCloudAssembly(app.synth().directory);

    expect(stacks.map((stack) => stack.name)).toEqual(['Prod-Web']);
  });

  test('given an environment-agnostic stack, then reading fails naming it: nobody can tell where it was deployed', () => {
    const app = newApp();
    topic(new Stack(app, 'Anywhere'), 'Topic');
    const directory = app.synth().directory;

    expect(() => readCloudAssembly(directory)).toThrow(UsageError);
    expect(() => readCloudAssembly(directory)).toThrow(/Stack Anywhere has no account and region in the assembly \(aws:\/\/unknown-account\/unknown-region\)/);
  });

  test('given a directory without a cloud assembly, then reading fails saying how to make one', () => {
    const directory = mkdtempSync(join(tmpdir(), 'no-assembly-'));

    expect(() => readCloudAssembly(directory)).toThrow(/holds no cloud assembly \(no manifest.json\): synthesize the app/);
  });
});
