// eslint-disable-next-line @typescript-eslint/no-require-imports
import aslValidator = require('asl-validator');
import { flattenIntrinsics } from './intrinsics';

export type AslDefinition = Record<string, any>;

/** A Step Functions state machine found in a synthesized template. */
export interface TemplateStateMachine {
  readonly logicalId: string;
  readonly definition: AslDefinition;
}

/**
 * The Amazon States Language definition of every state machine in a template, with intrinsic
 * functions flattened to placeholders (`CFN_REF_<LogicalId>`, `CFN_ATT_<LogicalId>_<Attribute>`).
 */
export function stateMachinesInTemplate(template: { Resources?: Record<string, any> }): TemplateStateMachine[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine')
    .map(([logicalId, resource]) => ({ logicalId, definition: definitionOf(logicalId, resource.Properties) }));
}

function definitionOf(logicalId: string, properties: Record<string, any>): AslDefinition {
  if (properties.DefinitionS3Location) {
    throw new Error(`State machine ${logicalId} keeps its definition in S3, which templates do not carry; define it inline`);
  }
  const text = properties.Definition !== undefined
    ? JSON.stringify(flattenIntrinsics(properties.Definition))
    : String(flattenIntrinsics(properties.DefinitionString));
  // DefinitionSubstitutions replace `${name}` in the definition before Step Functions reads it.
  const substitutions = (flattenIntrinsics(properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>);
  return JSON.parse(text.replace(/\$\{([^}]+)\}/g, (match, name: string) => (Object.hasOwn(substitutions, name) ? String(substitutions[name]) : match)));
}

/** `asl-validator` errors of a definition, one line each; empty when it is valid. */
export function validateDefinition(definition: AslDefinition): string[] {
  // The validator annotates states in place; keep the caller's definition untouched.
  const { errors } = aslValidator(structuredClone(definition));
  return errors.map((error) => `${error['Error code']}: ${error.Message}`);
}
