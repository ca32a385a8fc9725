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
  const definition = JSON.parse(text.replace(/\$\{([^}]+)\}/g, (match, name: string) => (Object.hasOwn(substitutions, name) ? String(substitutions[name]) : match)));
  return withPlaceholderTaskArns(definition);
}

/**
 * A Task whose Resource is a reference (a Lambda function's `Arn` attribute, once flattened to
 * `CFN_ATT_<LogicalId>_Arn`) gets an ARN of the same shape, as the deployed definition would have,
 * so that asl-validator checks the rest of the state rather than the placeholder.
 */
function withPlaceholderTaskArns(definition: AslDefinition): AslDefinition {
  for (const state of Object.values<any>(definition.States ?? {})) {
    if (state.Type === 'Task' && typeof state.Resource === 'string' && /^CFN_(ATT|REF)_/.test(state.Resource)) {
      state.Resource = `arn:aws:lambda:us-east-1:123456789012:function:${state.Resource}`;
    }
    for (const branch of [...state.Branches ?? [], ...state.Iterator ? [state.Iterator] : [], ...state.ItemProcessor ? [state.ItemProcessor] : []]) {
      withPlaceholderTaskArns(branch);
    }
  }
  return definition;
}

/** `asl-validator` errors of a definition, one line each; empty when it is valid. */
export function validateDefinition(definition: AslDefinition): string[] {
  // The validator annotates states in place; keep the caller's definition untouched.
  const { errors } = aslValidator(structuredClone(definition));
  return errors.map((error) => `${error['Error code']}: ${error.Message}`);
}
