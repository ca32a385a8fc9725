import { App } from 'aws-cdk-lib';
import { createExampleApp } from '../../examples/app';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from '../helpers/nag';

describe('example app', () => {
  test('given every example stack, then cdk-nag AwsSolutions reports no unsuppressed error or warning', () => {
    const app = createExampleApp(new App());

    expect(awsSolutionsFindings(app)).toEqual([]);
  });

  test('given every example stack, then each cdk-nag acknowledgement carries a specific reason', () => {
    const vague = nagAcknowledgements(createExampleApp(new App())).filter((acknowledgement) => !isSpecificReason(acknowledgement.reason));

    expect(vague).toEqual([]);
  });
});
