import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import { FoundationPlaceholder } from '../src';

const app = new App();
const stack = new Stack(app, 'FoundationPlaceholderInteg');
const placeholder = new FoundationPlaceholder(stack, 'HealthCheck');

const integ = new IntegTest(app, 'FoundationPlaceholderTest', { testCases: [stack] });

// A real deploy would confirm the component exists as a Linux test component.
integ.assertions
  .awsApiCall('Imagebuilder', 'getComponent', { componentBuildVersionArn: placeholder.componentArn })
  .expect(ExpectedResult.objectLike({ component: { platform: 'Linux' } }));

app.synth();
