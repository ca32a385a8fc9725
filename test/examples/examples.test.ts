import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { createMultiAccountApp } from '../../examples/multi-account/app';
import { createStatefulServiceApp } from '../../examples/stateful/app';
import { createWebServiceApp } from '../../examples/typescript/app';
import { createWindowsServiceApp } from '../../examples/windows/app';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from '../helpers/nag';

const EXAMPLES: Array<[string, (app: App) => App]> = [
  ['typescript', createWebServiceApp],
  ['multi-account', createMultiAccountApp],
  ['windows', createWindowsServiceApp],
  ['stateful', createStatefulServiceApp],
];

describe.each(EXAMPLES)('example %s', (_name, createApp) => {
  test('given every stack, then cdk-nag AwsSolutions reports no unsuppressed error or warning', () => {
    expect(awsSolutionsFindings(createApp(new App()))).toEqual([]);
  });

  test('given every stack, then each cdk-nag acknowledgement carries a specific reason', () => {
    expect(nagAcknowledgements(createApp(new App())).filter((acknowledgement) => !isSpecificReason(acknowledgement.reason))).toEqual([]);
  });

  test('given no AWS account, then it synthesizes without an error annotation or a context lookup', () => {
    const assembly = createApp(new App()).synth();
    const errors = assembly.stacks.flatMap((stack) => stack.messages).filter((message) => message.level === 'error');

    expect(errors.map((message) => `${message.id}: ${message.entry.data}`)).toEqual([]);
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });
});

describe('example sources', () => {
  const sources = ['typescript', 'multi-account', 'windows', 'stateful'].flatMap((example) => {
    const folder = path.join(__dirname, '..', '..', 'examples', example);
    return fs.readdirSync(folder).filter((file) => file.endsWith('.ts')).map((file) => path.join(folder, file));
  });

  test('given every TypeScript example file, then it imports the library by its package name, as a user\'s app does, never from src/', () => {
    const fromSource = sources.filter((file) => /from '(\.\.\/)+src(\/[^']*)?'/.test(fs.readFileSync(file, 'utf-8')));
    const byName = sources.filter((file) => fs.readFileSync(file, 'utf-8').includes("from 'cdk-immutable-servers'"));

    expect(fromSource).toEqual([]);
    expect(byName.length).toBeGreaterThanOrEqual(3);
  });
});
