import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { FoundationPlaceholder } from '../src';

/**
 * Placeholder example: one Image Builder health-check component. Replaced by real examples
 * (baking an AMI, rolling an environment, the whole pipeline) as the constructs land.
 */
export class PlaceholderExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    new FoundationPlaceholder(this, 'HealthCheck', { healthCheckPort: 8080, healthCheckPath: '/health' });
  }
}

/** Builds the example app; tests call this to check every example stack. */
export function createExampleApp(app: App = new App()): App {
  new PlaceholderExampleStack(app, 'PlaceholderExample');
  return app;
}

if (require.main === module) {
  createExampleApp().synth();
}
