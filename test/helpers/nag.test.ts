import { App, Stack, Validations, aws_s3 as s3 } from 'aws-cdk-lib';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from './nag';

/** Bad fixture for the cdk-nag gate: a bucket that accepts plain HTTP and logs nothing. */
function appWithInsecureBucket(): { app: App; bucket: s3.Bucket } {
  const app = new App();
  const stack = new Stack(app, 'NagFixture');
  const bucket = new s3.Bucket(stack, 'InsecureBucket');
  return { app, bucket };
}

describe('awsSolutionsFindings', () => {
  test('given a finding acknowledged on another resource only, then it is still reported on this one, as aws-cdk-lib 2.276 reports it', () => {
    const { app, bucket } = appWithInsecureBucket();
    const other = new s3.Bucket(Stack.of(bucket), 'OtherBucket');
    Validations.of(other).acknowledge({ id: 'AwsSolutions-S10', reason: 'Fixture bucket: never deployed, it only proves acknowledgements are local' });

    const findings = awsSolutionsFindings(app).filter((finding) => finding.rule === 'AwsSolutions-S10').map((finding) => finding.path);
    expect(findings).toEqual(['NagFixture/InsecureBucket/Resource']);
  });

  test('given a bucket without TLS enforcement, then cdk-nag reports AwsSolutions-S10 on it', () => {
    const { app } = appWithInsecureBucket();

    expect(awsSolutionsFindings(app)).toEqual(expect.arrayContaining([
      expect.objectContaining({ rule: 'AwsSolutions-S10', severity: 'error', path: 'NagFixture/InsecureBucket/Resource' }),
    ]));
  });

  test('given the findings are acknowledged with reasons, then none are reported and the acknowledgements are listed', () => {
    const { app, bucket } = appWithInsecureBucket();
    Validations.of(bucket).acknowledge(
      { id: 'AwsSolutions-S1', reason: 'Fixture bucket: access logs are out of scope for this test' },
      { id: 'AwsSolutions-S10', reason: 'Fixture bucket: never deployed, it only proves acknowledgements work' },
    );

    expect(awsSolutionsFindings(app)).toEqual([]);
    expect(nagAcknowledgements(app).map((acknowledgement) => acknowledgement.rule)).toEqual(['Annotation::AwsSolutions-S1', 'Annotation::AwsSolutions-S10']);
  });
});

describe('isSpecificReason', () => {
  test.each(['ok', 'N/A', 'false positive', 'Not needed.', 'short reason'])('given the stock phrase %p, then it is not specific', (reason) => {
    expect(isSpecificReason(reason)).toBe(false);
  });

  test('given a reason about the resource, then it is specific', () => {
    expect(isSpecificReason('Image Builder requires ec2:RunInstances on * because instance ids are not known in advance')).toBe(true);
  });
});
