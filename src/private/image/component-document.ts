/**
 * Image Builder component documents (AWS Task Orchestrator and Executor): a typed model, the
 * document rules checked at synth time, and rendering.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-use-documents.html
 */

/** Phases a component document may contain. Build and validate run on the build instance; test on a fresh instance of the new image. */
export type ComponentPhaseName = 'build' | 'validate' | 'test';

export interface ComponentStep {
  /** Unique within the phase; letters, digits, `_` and `-`. */
  readonly name: string;
  readonly action: string;
  readonly inputs: Record<string, unknown> | Array<Record<string, unknown>>;
  /** What to do when the step fails. Image Builder's default is `Abort`. */
  readonly onFailure?: 'Abort' | 'Continue' | 'Ignore';
}

export interface ComponentPhase {
  readonly name: ComponentPhaseName;
  readonly steps: ComponentStep[];
}

/**
 * A string parameter whose value a recipe may set per recipe version; steps read it as
 * `{{ name }}`.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-user-defined-variables.html
 */
export interface ComponentParameter {
  readonly name: string;
  readonly default: string;
  readonly description: string;
}

export interface ComponentDocument {
  readonly name: string;
  readonly description: string;
  readonly parameters?: ComponentParameter[];
  readonly phases: ComponentPhase[];
}

/** Actions this library generates, with the inputs each one requires. */
const REQUIRED_INPUTS: Record<string, string[]> = {
  ExecuteBash: ['commands'],
  ExecutePowerShell: ['commands'],
};

const PHASE_ORDER: ComponentPhaseName[] = ['build', 'validate', 'test'];
const STEP_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const PARAMETER_NAME = /^[A-Za-z0-9_-]{3,128}$/;
/** A reference to a parameter or variable in a step's inputs; `imagebuilder:` names are Image Builder's own. */
const VARIABLE_REFERENCE = /\{\{\s*([^}\s]+)\s*\}\}/g;

/**
 * Throws an error naming the offending phase, step or input for every rule Image Builder would
 * reject the document for: unknown or repeated phases, phases out of order, empty phases, invalid
 * or repeated step names, unknown actions and missing required inputs.
 */
export function validateComponentDocument(document: ComponentDocument): void {
  if (document.phases.length === 0) {
    throw new Error(`Component document '${document.name}' has no phases`);
  }
  const phaseNames = document.phases.map((phase) => phase.name);
  phaseNames.forEach((name, index) => {
    if (!PHASE_ORDER.includes(name)) {
      throw new Error(`Component document '${document.name}' has unknown phase '${name}'; phases are ${PHASE_ORDER.join(', ')}`);
    }
    if (phaseNames.indexOf(name) !== index) {
      throw new Error(`Component document '${document.name}' repeats phase '${name}'`);
    }
  });
  const ordered = [...phaseNames].sort((a, b) => PHASE_ORDER.indexOf(a) - PHASE_ORDER.indexOf(b));
  if (ordered.join() !== phaseNames.join()) {
    throw new Error(`Component document '${document.name}' lists phases as ${phaseNames.join(', ')}; they run as ${ordered.join(', ')}, so list them in that order`);
  }
  for (const phase of document.phases) {
    validatePhase(document.name, phase);
  }
  validateParameters(document);
}

function validateParameters(document: ComponentDocument): void {
  const declared = new Set<string>();
  for (const { name } of document.parameters ?? []) {
    if (!PARAMETER_NAME.test(name)) {
      throw new Error(`Component document '${document.name}' has parameter name '${name}'; use 3 to 128 letters, digits, '_' or '-'`);
    }
    declared.add(name);
  }
  const referenced = [...JSON.stringify(document.phases).matchAll(VARIABLE_REFERENCE)].map((match) => match[1]);
  const undeclared = referenced.filter((name) => !declared.has(name) && !name.startsWith('imagebuilder:'));
  if (undeclared.length > 0) {
    throw new Error(`Component document '${document.name}' uses undeclared parameters: ${[...new Set(undeclared)].join(', ')}`);
  }
}

function validatePhase(documentName: string, phase: ComponentPhase): void {
  const where = `Component document '${documentName}' phase '${phase.name}'`;
  if (phase.steps.length === 0) {
    throw new Error(`${where} has no steps`);
  }
  const seen = new Set<string>();
  for (const step of phase.steps) {
    if (!STEP_NAME.test(step.name)) {
      throw new Error(`${where} has step name '${step.name}'; use 1 to 128 letters, digits, '_' or '-'`);
    }
    if (seen.has(step.name)) {
      throw new Error(`${where} repeats step name '${step.name}'`);
    }
    seen.add(step.name);
    const required = REQUIRED_INPUTS[step.action];
    if (!required) {
      throw new Error(`${where} step '${step.name}' uses unknown action '${step.action}'; known actions are ${Object.keys(REQUIRED_INPUTS).join(', ')}`);
    }
    const missing = required.filter((input) => (step.inputs as Record<string, unknown>)[input] === undefined);
    if (missing.length > 0) {
      throw new Error(`${where} step '${step.name}' (${step.action}) is missing required inputs: ${missing.join(', ')}`);
    }
  }
}

/**
 * Renders a validated document as the YAML that Image Builder reads. JSON is a subset of YAML
 * 1.2, so no YAML library has to ship with the construct library.
 */
export function renderComponentDocument(document: ComponentDocument): string {
  validateComponentDocument(document);
  const { name, description, phases } = document;
  // The document schema lists each parameter as a single-key map of its name to its settings.
  const parameters = document.parameters?.map((parameter) => ({
    [parameter.name]: { type: 'string', default: parameter.default, description: parameter.description },
  }));
  return JSON.stringify({ name, description, schemaVersion: '1.0', parameters, phases }, undefined, 2);
}
