import { createHash } from 'crypto';
import { Names, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { renderComponentDocument } from './private/component-document';
import { renderHttpHealthCheckScript } from './private/http-health-check-script';

/**
 * Properties of a `FoundationPlaceholder`.
 */
export interface FoundationPlaceholderProps {
  /**
   * Port of the service that the health check probes on the build instance.
   *
   * @default 8080
   */
  readonly healthCheckPort?: number;

  /**
   * Path that the health check requests; must start with `/`.
   *
   * @default '/health'
   */
  readonly healthCheckPath?: string;
}

/**
 * PLACEHOLDER, not for use: exists only so the project's quality gates (jsii, unit tests, integ
 * snapshots, cfn-lint, cdk-nag, Python bindings, shellcheck) have a construct to check. It is
 * removed, without a deprecation period, as soon as `ApplicationImageRecipe` lands.
 *
 * It creates one Image Builder test component that waits for a local HTTP health endpoint with
 * bounded retries.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-use-documents.html
 */
export class FoundationPlaceholder extends Construct {
  /** The Image Builder component. */
  public readonly component: imagebuilder.CfnComponent;

  /** ARN of the component's build version. */
  public readonly componentArn: string;

  constructor(scope: Construct, id: string, props: FoundationPlaceholderProps = {}) {
    super(scope, id);

    const script = renderHttpHealthCheckScript({
      port: props.healthCheckPort ?? 8080,
      path: props.healthCheckPath ?? '/health',
      expectedStatus: 200,
      attempts: 30,
      intervalSeconds: 5,
    });
    const data = renderComponentDocument({
      name: 'http-health-check',
      description: 'Waits for the application to answer its HTTP health check',
      phases: [{
        name: 'test',
        steps: [{ name: 'HttpHealthCheck', action: 'ExecuteBash', inputs: { commands: [script] } }],
      }],
    });

    this.component = new imagebuilder.CfnComponent(this, 'Component', {
      // A name per content keeps version 1.0.0 valid: changed content is a new component, not a
      // second 1.0.0 of the old one, which Image Builder would reject as already existing.
      name: `${Names.uniqueResourceName(this, { maxLength: 100, separator: '-' }).toLowerCase()}-${contentHash(data)}`,
      platform: 'Linux',
      version: '1.0.0',
      data,
    });
    this.componentArn = this.component.attrArn;
  }
}

function contentHash(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 12);
}
