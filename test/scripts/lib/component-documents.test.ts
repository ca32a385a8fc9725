import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { componentDocumentErrors, componentDocumentsInTemplate } from '../../../scripts/lib/component-documents';
import { recipeStack } from '../../helpers/recipe-stack';

const misspelled = parseYaml(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'misspelled-action.component.yaml'), 'utf-8'));

describe('componentDocumentsInTemplate', () => {
  test('given a recipe template, then its component document is found, parsed and valid', () => {
    const documents = componentDocumentsInTemplate(recipeStack().template.toJSON());

    expect(documents).toHaveLength(1);
    expect(documents[0].logicalId).toMatch(/^ImageApplicationComponent/);
    expect(componentDocumentErrors(documents[0].document)).toEqual([]);
  });
});

describe('componentDocumentErrors', () => {
  test('given the misspelled-action fixture, then it names the step and the unknown action', () => {
    expect(componentDocumentErrors(misspelled)).toEqual([
      "Component document 'app' phase 'build' step 'Install' uses unknown action 'ExecuteBsh'; known actions are ExecuteBash, ExecutePowerShell",
    ]);
  });

  test('given a reference to an undeclared parameter, then it names the parameter', () => {
    const document = { ...misspelled, phases: [{ name: 'build', steps: [{ ...misspelled.phases[0].steps[0], action: 'ExecuteBash' }] }] };

    expect(componentDocumentErrors(document)).toEqual(["Component document 'app' uses undeclared parameters: ArtifactUri"]);
  });

  test('given another schema version, then it names it', () => {
    expect(componentDocumentErrors({ ...misspelled, schemaVersion: 2 })).toEqual(['schemaVersion must be 1.0, got 2']);
  });
});
