import { parse as parseYaml } from 'yaml';
import { ComponentDocument, renderComponentDocument, validateComponentDocument } from '../../../src/private/image/component-document';

const step = { name: 'Install', action: 'ExecuteBash', inputs: { commands: ['echo installed'] } };
const valid: ComponentDocument = {
  name: 'app',
  description: 'Installs the app',
  phases: [{ name: 'build', steps: [step] }, { name: 'test', steps: [{ ...step, name: 'Probe' }] }],
};

describe('renderComponentDocument', () => {
  test('given a valid document, then it renders YAML with schema version 1.0 and the phases in order', () => {
    const rendered = parseYaml(renderComponentDocument(valid));

    expect(rendered).toEqual({
      name: 'app',
      description: 'Installs the app',
      schemaVersion: '1.0',
      phases: [{ name: 'build', steps: [step] }, { name: 'test', steps: [{ ...step, name: 'Probe' }] }],
    });
  });
});

describe('component parameters', () => {
  const parameterStep = { name: 'Download', action: 'ExecuteBash', inputs: { commands: ["echo '{{ ArtifactS3Uri }}' {{imagebuilder:buildDate}}"] } };

  test('given a declared parameter, then it renders as a single-key map of its name to a string with its default', () => {
    const rendered = parseYaml(renderComponentDocument({
      ...valid,
      parameters: [{ name: 'ArtifactS3Uri', default: 's3://bucket/app.zip', description: 'artifact' }],
      phases: [{ name: 'build', steps: [parameterStep] }],
    }));

    expect(rendered.parameters).toEqual([{ ArtifactS3Uri: { type: 'string', default: 's3://bucket/app.zip', description: 'artifact' } }]);
  });

  test('given a step that uses an undeclared parameter, then validation names it (Image Builder variables excepted)', () => {
    expect(() => validateComponentDocument({ ...valid, phases: [{ name: 'build', steps: [parameterStep] }] }))
      .toThrow("Component document 'app' uses undeclared parameters: ArtifactS3Uri");
  });

  test('given a parameter name with a space, then validation names it', () => {
    expect(() => validateComponentDocument({ ...valid, parameters: [{ name: 'Artifact Uri', default: '', description: 'x' }] }))
      .toThrow("Component document 'app' has parameter name 'Artifact Uri'; use 3 to 128 letters, digits, '_' or '-'");
  });
});

describe('validateComponentDocument', () => {
  test.each<[string, ComponentDocument, string]>([
    ['no phases', { ...valid, phases: [] }, "Component document 'app' has no phases"],
    ['an unknown phase', { ...valid, phases: [{ name: 'deploy' as any, steps: [step] }] }, "Component document 'app' has unknown phase 'deploy'; phases are build, validate, test"],
    ['a repeated phase', { ...valid, phases: [{ name: 'build', steps: [step] }, { name: 'build', steps: [step] }] }, "Component document 'app' repeats phase 'build'"],
    ['phases out of order', { ...valid, phases: [{ name: 'test', steps: [step] }, { name: 'build', steps: [step] }] },
      "Component document 'app' lists phases as test, build; they run as build, test, so list them in that order"],
    ['an empty phase', { ...valid, phases: [{ name: 'build', steps: [] }] }, "Component document 'app' phase 'build' has no steps"],
    ['an invalid step name', { ...valid, phases: [{ name: 'build', steps: [{ ...step, name: 'install app' }] }] },
      "Component document 'app' phase 'build' has step name 'install app'; use 1 to 128 letters, digits, '_' or '-'"],
    ['a repeated step name', { ...valid, phases: [{ name: 'build', steps: [step, step] }] }, "Component document 'app' phase 'build' repeats step name 'Install'"],
    ['an unknown action', { ...valid, phases: [{ name: 'build', steps: [{ ...step, action: 'ExecuteZsh' }] }] },
      "Component document 'app' phase 'build' step 'Install' uses unknown action 'ExecuteZsh'; known actions are ExecuteBash, ExecutePowerShell"],
    ['a missing required input', { ...valid, phases: [{ name: 'build', steps: [{ ...step, inputs: {} }] }] },
      "Component document 'app' phase 'build' step 'Install' (ExecuteBash) is missing required inputs: commands"],
  ])('given %s, then it fails naming the problem', (_case, document, message) => {
    expect(() => validateComponentDocument(document)).toThrow(message);
  });
});
