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
    .map(([logicalId, resource]) => ({
      logicalId,
      definition: resource.Properties.Definition ?? JSON.parse(String(flattenIntrinsics(resource.Properties.DefinitionString))),
    }));
}

/** `asl-validator` errors of a definition, one line each; empty when it is valid. */
export function validateDefinition(definition: AslDefinition): string[] {
  // The validator annotates states in place; keep the caller's definition untouched.
  const { errors } = aslValidator(structuredClone(definition));
  return errors.map((error) => `${error['Error code']}: ${error.Message}`);
}
