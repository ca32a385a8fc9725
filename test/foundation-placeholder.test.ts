import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parse as parseYaml } from 'yaml';
import { shellcheck } from '../scripts/lib/shellcheck';
import { FoundationPlaceholder, FoundationPlaceholderProps } from '../src';

function synthesizeComponent(props?: FoundationPlaceholderProps): Record<string, any> {
  const stack = new Stack(new App(), 'Stack');
  new FoundationPlaceholder(stack, 'Placeholder', props);
  const components = Template.fromStack(stack).findResources('AWS::ImageBuilder::Component');
  expect(Object.keys(components)).toHaveLength(1);
  return Object.values(components)[0].Properties;
}

/** The phases Image Builder documents accept, and the actions this construct may use. */
const IMAGE_BUILDER_PHASES = ['build', 'validate', 'test'];
const IMAGE_BUILDER_NAME = /^[-_A-Za-z0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z0-9]$/;

describe('FoundationPlaceholder', () => {
  test('given defaults, then it creates one Linux test component, version 1.0.0, with a valid Image Builder document', () => {
    const component = synthesizeComponent();
    const document = parseYaml(component.Data);

    expect(component).toMatchObject({ Platform: 'Linux', Version: '1.0.0' });
    expect(document.schemaVersion).toBe('1.0');
    expect(document.phases.map((phase: { name: string }) => phase.name)).toEqual(['test']);
    document.phases.forEach((phase: { name: string }) => expect(IMAGE_BUILDER_PHASES).toContain(phase.name));
    expect(document.phases[0].steps).toEqual([{ name: 'HttpHealthCheck', action: 'ExecuteBash', inputs: { commands: [expect.any(String)] } }]);
  });

  test('given a port and path, then the test step probes them and its script passes shellcheck', () => {
    const script: string = parseYaml(synthesizeComponent({ healthCheckPort: 9000, healthCheckPath: '/ready' }).Data).phases[0].steps[0].inputs.commands[0];

    expect(script).toContain("url='http://127.0.0.1:9000/ready'");
    expect(shellcheck(script)).toEqual([]);
  });

  test('given the same props, then the component name is stable, lowercase and valid for Image Builder', () => {
    const name = synthesizeComponent().Name;

    expect(synthesizeComponent().Name).toBe(name);
    expect(name).toBe(name.toLowerCase());
    expect(name).toMatch(IMAGE_BUILDER_NAME);
  });

  test('given changed content, then the component gets a new name so that version 1.0.0 never collides on update', () => {
    expect(synthesizeComponent({ healthCheckPort: 9000 }).Name).not.toBe(synthesizeComponent().Name);
  });

  test('given defaults, then the template matches the reviewed snapshot', () => {
    const stack = new Stack(new App(), 'Stack');
    new FoundationPlaceholder(stack, 'Placeholder');

    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });

  test('given a path without a leading slash, then construction fails naming the path', () => {
    expect(() => synthesizeComponent({ healthCheckPath: 'health' })).toThrow("Health check path must start with '/', got 'health'");
  });
});
