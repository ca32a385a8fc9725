import { App, Stack, aws_ec2 as ec2, aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import { ApplicationImageRecipe, BaseImage, ImageBuildStep, ImageRetention } from '../../src';
import { awsSolutionsFindings } from '../helpers/nag';

describe('ApplicationImageRecipe under cdk-nag', () => {
  test('given every option (VPC, encrypted artifacts, build steps, scanning, copies with a key, Windows), then AwsSolutions reports nothing unacknowledged', () => {
    const app = new App();
    const stack = new Stack(app, 'Images', { env: { account: '999999999999', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    vpc.addFlowLog('FlowLogs');
    const artifacts = new s3.Bucket(stack, 'Artifacts', {
      encryptionKey: new kms.Key(stack, 'ArtifactKey', { enableKeyRotation: true }),
      enforceSSL: true,
      serverAccessLogsBucket: new s3.Bucket(stack, 'AccessLogs', { enforceSSL: true }),
    });
    const linux = new ApplicationImageRecipe(stack, 'Linux', {
      applicationName: 'web',
      artifact: { bucket: artifacts, key: 'web.tar.gz' },
      startCommand: '/opt/web/bin/server',
      vpc,
      buildSteps: [ImageBuildStep.bash('Harden', ['sysctl -w net.ipv4.tcp_syncookies=1']), ImageBuildStep.awsManagedComponent('aws-cli-version-2-linux')],
      vulnerabilityScanning: true,
      imageRetention: ImageRetention.count(5),
      distributionTargets: [{ region: 'eu-west-1', copyToAccounts: ['111111111111'], kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
    });
    linux.addArtifactSource(artifacts, 'pipeline/*');
    new ApplicationImageRecipe(stack, 'Windows', {
      applicationName: 'worker',
      baseImage: BaseImage.windowsServer2022(),
      artifact: { bucket: artifacts, key: 'worker.zip' },
      startCommand: 'C:\\worker\\Worker.exe',
      buildSteps: [ImageBuildStep.powerShell('Harden', ['Set-MpPreference -DisableRealtimeMonitoring $false'])],
    });

    expect(awsSolutionsFindings(app)).toEqual([]);
  });
});
