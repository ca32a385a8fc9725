/**
 * AWS's own service models (botocore's `data/<service>/<api-version>/service-2.json`, installed
 * into the project's venv from PyPI): a request is checked against its operation's input shape
 * and a response against its output shape, as Step Functions' AWS SDK integrations name members
 * (the model's member name with its first letter capitalised, at every level).
 */
import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { gunzipSync } from 'zlib';

const VENV_LIB = join(__dirname, '..', '..', '..', '.venv', 'lib');

interface Shape {
  readonly type: string;
  readonly members?: Record<string, { shape: string }>;
  readonly required?: string[];
  readonly member?: { shape: string };
  readonly key?: { shape: string };
  readonly value?: { shape: string };
  readonly enum?: string[];
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
}

interface ServiceModel {
  readonly operations: Record<string, { input?: { shape: string }; output?: { shape: string } }>;
  readonly shapes: Record<string, Shape>;
}

/** The botocore data folder of the venv's Python. */
function botocoreData(): string {
  const python = existsSync(VENV_LIB) ? readdirSync(VENV_LIB).find((name) => name.startsWith('python')) : undefined;
  const data = python && join(VENV_LIB, python, 'site-packages', 'botocore', 'data');
  if (!data || !existsSync(data)) {
    throw new Error(`botocore's service models are missing under ${VENV_LIB}: run 'bash scripts/setup.sh' (botocore is pinned in requirements-dev.txt)`);
  }
  return data;
}

const models = new Map<string, ServiceModel>();

/** botocore's name of a service where Step Functions' SDK integrations name it otherwise. */
const BOTOCORE_NAMES: Record<string, string> = { sfn: 'stepfunctions' };

/** The newest API version's model of a service, by the name SDK integrations give it (`ssm`, `ec2`, `sfn`). */
export function serviceModel(service: string): ServiceModel {
  let model = models.get(service);
  if (!model) {
    const folder = join(botocoreData(), BOTOCORE_NAMES[service] ?? service);
    if (!existsSync(folder)) {
      throw new Error(`No AWS service model for '${service}' in botocore`);
    }
    const version = readdirSync(folder).filter((name) => /^\d{4}-\d{2}-\d{2}$/.test(name)).sort().pop()!;
    const file = join(folder, version, 'service-2.json');
    const text = existsSync(file) ? readFileSync(file, 'utf8') : gunzipSync(readFileSync(`${file}.gz`)).toString('utf8');
    model = JSON.parse(text) as ServiceModel;
    models.set(service, model);
  }
  return model;
}

/** The model's operation name of a Step Functions action: `getParameters` is `GetParameters`. */
export function operationName(action: string): string {
  return action.charAt(0).toUpperCase() + action.slice(1);
}

/** Whether the service's model has the operation. */
export function hasOperation(service: string, action: string): boolean {
  return operationName(action) in serviceModel(service).operations;
}

/** What is wrong with a request, one line per problem, each naming the member's path. */
export function checkRequest(service: string, action: string, request: unknown): string[] {
  const operation = serviceModel(service).operations[operationName(action)];
  if (!operation) {
    return [`${service} has no operation ${operationName(action)}`];
  }
  if (!operation.input) {
    return request === undefined || Object.keys(request as object).length === 0 ? [] : [`${operationName(action)} takes no input`];
  }
  return checkValue(serviceModel(service), operation.input.shape, request ?? {}, operationName(action), true);
}

/**
 * What is wrong with a Task's `Parameters` as a definition holds them, before any value is known:
 * each member (a key, or a key ending in `.$` whose value a path or intrinsic gives) must exist,
 * required ones must be given, and literal values must fit their shapes.
 */
export function checkParameters(service: string, action: string, parameters: Record<string, unknown> | undefined): string[] {
  const operation = serviceModel(service).operations[operationName(action)];
  if (!operation) {
    return [`${service} has no operation ${operationName(action)}`];
  }
  if (!operation.input) return [];
  return checkTemplateValue(serviceModel(service), operation.input.shape, parameters ?? {}, operationName(action));
}

function checkTemplateValue(model: ServiceModel, shapeName: string, value: unknown, path: string): string[] {
  const shape = model.shapes[shapeName];
  if (shape.type === 'structure' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const members = Object.fromEntries(Object.entries(shape.members ?? {}).map(([name, member]) => [capitalise(name), member]));
    const given = Object.keys(value).map((key) => key.replace(/\.\$$/, ''));
    return [
      ...Object.entries(value).flatMap(([key, member]) => {
        const name = key.replace(/\.\$$/, '');
        if (!members[name]) return [`${path}.${name}: no such member (members: ${Object.keys(members).join(', ') || 'none'})`];
        return key.endsWith('.$') ? [] : checkTemplateValue(model, members[name].shape, member, `${path}.${name}`);
      }),
      ...(shape.required ?? []).map(capitalise).filter((required) => !given.includes(required)).map((required) => `${path}.${required}: required, missing`),
    ];
  }
  if (shape.type === 'list' && Array.isArray(value)) {
    return value.flatMap((item, index) => checkTemplateValue(model, shape.member!.shape, item, `${path}[${index}]`));
  }
  if (shape.type === 'map' && typeof value === 'object' && value !== null) {
    // Step Functions renames any key ending in `.$`, map keys too, and gives it the path's value.
    return Object.entries(value).flatMap(([key, item]) => [
      ...checkValue(model, shape.key!.shape, key.replace(/\.\$$/, ''), `${path} key`, true),
      ...key.endsWith('.$') ? [] : checkTemplateValue(model, shape.value!.shape, item, `${path}.${key}`),
    ]);
  }
  // A reference CloudFormation resolves at deploy time (flattened to CFN_REF_/CFN_ATT_) has no value to match yet.
  if (typeof value === 'string' && /CFN_(REF|ATT|IMPORT)_/.test(value)) return [];
  return checkValue(model, shapeName, value, path, true);
}

/** What is wrong with a (simulated) response. */
export function checkResponse(service: string, action: string, response: unknown): string[] {
  const operation = serviceModel(service).operations[operationName(action)];
  if (!operation?.output) return [];
  return checkValue(serviceModel(service), operation.output.shape, response ?? {}, `${operationName(action)} output`, false);
}

function checkValue(model: ServiceModel, shapeName: string, value: unknown, path: string, isInput: boolean): string[] {
  const shape = model.shapes[shapeName];
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected an object, got ${JSON.stringify(value)}`];
      const members = Object.fromEntries(Object.entries(shape.members ?? {}).map(([name, member]) => [capitalise(name), member]));
      const problems: string[] = [];
      for (const [key, member] of Object.entries(value)) {
        const declared = members[key];
        if (!declared) {
          problems.push(`${path}.${key}: no such member (members: ${Object.keys(members).join(', ') || 'none'})`);
        } else if (member !== null && member !== undefined) {
          problems.push(...checkValue(model, declared.shape, member, `${path}.${key}`, isInput));
        }
      }
      if (isInput) {
        for (const required of shape.required ?? []) {
          if ((value as Record<string, unknown>)[capitalise(required)] === undefined) problems.push(`${path}.${capitalise(required)}: required, missing`);
        }
      }
      return problems;
    }
    case 'list':
      if (!Array.isArray(value)) return [`${path}: expected a list, got ${JSON.stringify(value)}`];
      return [
        ...isInput ? lengthProblems(shape, value.length, path, 'items') : [],
        ...value.flatMap((item, index) => checkValue(model, shape.member!.shape, item, `${path}[${index}]`, isInput)),
      ];
    case 'map':
      if (typeof value !== 'object' || value === null) return [`${path}: expected a map, got ${JSON.stringify(value)}`];
      return Object.entries(value).flatMap(([key, item]) => [
        ...checkValue(model, shape.key!.shape, key, `${path} key`, isInput),
        ...checkValue(model, shape.value!.shape, item, `${path}.${key}`, isInput),
      ]);
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected a string, got ${JSON.stringify(value)}`];
      if (shape.enum && !shape.enum.includes(value)) return [`${path}: '${value}' is not one of ${shape.enum.join(', ')}`];
      return isInput ? [...lengthProblems(shape, value.length, path, 'characters'), ...patternProblems(shape, value, path)] : [];
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) return [`${path}: expected an integer, got ${JSON.stringify(value)}`];
      return isInput ? rangeProblems(shape, value, path) : [];
    case 'double':
    case 'float':
      return typeof value === 'number' ? [] : [`${path}: expected a number, got ${JSON.stringify(value)}`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected true or false, got ${JSON.stringify(value)}`];
    case 'timestamp':
      return typeof value === 'string' || typeof value === 'number' ? [] : [`${path}: expected a timestamp, got ${JSON.stringify(value)}`];
    case 'blob':
      return typeof value === 'string' ? [] : [`${path}: expected base64 text, got ${JSON.stringify(value)}`];
    default:
      return [`${path}: shape type ${shape.type} is not checked`];
  }
}

function lengthProblems(shape: Shape, length: number, path: string, unit: string): string[] {
  if (shape.min !== undefined && length < shape.min) return [`${path}: at least ${shape.min} ${unit}, got ${length}`];
  if (shape.max !== undefined && length > shape.max) return [`${path}: at most ${shape.max} ${unit}, got ${length}`];
  return [];
}

function rangeProblems(shape: Shape, value: number, path: string): string[] {
  if (shape.min !== undefined && value < shape.min) return [`${path}: at least ${shape.min}, got ${value}`];
  if (shape.max !== undefined && value > shape.max) return [`${path}: at most ${shape.max}, got ${value}`];
  return [];
}

/** A pattern JavaScript can read is enforced; the few Java-only ones are not. */
function patternProblems(shape: Shape, value: string, path: string): string[] {
  if (!shape.pattern) return [];
  let pattern: RegExp;
  try {
    pattern = new RegExp(shape.pattern, 'u');
  } catch {
    return [];
  }
  return pattern.test(value) ? [] : [`${path}: '${value}' does not match ${shape.pattern}`];
}

function capitalise(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
