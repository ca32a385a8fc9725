import { App, Stack, StackProps, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ApplicationImageRecipe } from '../src';

/**
 * Bakes a web application into an AMI: patched Amazon Linux 2023, the CloudWatch agent, and the
 * app from a tarball in S3 as a systemd service that must answer /health before the AMI ships.
 */
export class WebImageStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const artifacts = s3.Bucket.fromBucketName(this, 'Artifacts', 'my-build-artifacts');
    new ApplicationImageRecipe(this, 'WebImage', {
      applicationName: 'web',
      artifact: { bucket: artifacts, key: 'web/web-1.4.2.tar.gz' },
      startCommand: '/opt/web/bin/server --port 8080',
      runtimePackages: ['nodejs20'],
      healthCheck: { port: 8080, path: '/health' },
      amiIdParameterName: '/web/latest-ami',
    });
  }
}

/** Builds the example app; tests call this to check every example stack. */
export function createExampleApp(app: App = new App()): App {
  new WebImageStack(app, 'WebImage');
  return app;
}

if (require.main === module) {
  createExampleApp().synth();
}
