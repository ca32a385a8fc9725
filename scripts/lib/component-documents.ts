import { parse as parseYaml } from 'yaml';
import { flattenIntrinsics } from './intrinsics';
import { ComponentDocument, validateComponentDocument } from '../../src/private/image/component-document';

/** The document of an Image Builder component in a synthesized template, as Image Builder would read it. */
export interface TemplateComponentDocument {
  readonly logicalId: string;
  readonly document: Record<string, any>;
}

/** Every inline component document in a template, parsed from YAML with intrinsics flattened. */
export function componentDocumentsInTemplate(template: { Resources?: Record<string, any> }): TemplateComponentDocument[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, resource]) => resource.Type === 'AWS::ImageBuilder::Component' && resource.Properties?.Data !== undefined)
    .map(([logicalId, resource]) => ({ logicalId, document: parseYaml(String(flattenIntrinsics(resource.Properties.Data))) }));
}

/**
 * The Image Builder document rules a parsed document breaks (schema version, phases, step names,
 * actions, inputs, parameters), re-checked on what the template carries rather than on what the
 * library meant to render. Empty when it is valid.
 */
export function componentDocumentErrors(document: Record<string, any>): string[] {
  // YAML reads an unquoted `1.0` as the number 1, which Image Builder accepts too.
  if (document.schemaVersion !== '1.0' && document.schemaVersion !== 1) {
    return [`schemaVersion must be 1.0, got ${JSON.stringify(document.schemaVersion)}`];
  }
  // The document lists each parameter as a single-key map of its name to its settings.
  const parameters = (document.parameters ?? []).map((entry: Record<string, any>) => {
    const [[name, settings]] = Object.entries(entry);
    return { name, default: settings.default, description: settings.description };
  });
  try {
    validateComponentDocument({ ...document, parameters } as ComponentDocument);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}
