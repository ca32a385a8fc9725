/**
 * CloudFormation's intrinsic functions, resolved as a deployment of one stack would resolve them:
 * pseudo parameters from the stack's account and region, `Ref` of parameters from their resolved
 * values, `Ref` and `Fn::GetAtt` of resources from the physical ids the simulated deployment gives
 * them, conditions evaluated.
 */

export interface StackContext {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  /** Resolved parameter values by logical id. */
  readonly parameters: Record<string, string>;
  /** The template, for its conditions and resources. */
  readonly template: Template;
  /** A resource's `Ref`, or an attribute when `attribute` is given. */
  readonly physical: (logicalId: string, attribute?: string) => unknown;
}

export interface Template {
  readonly Parameters?: Record<string, { Type: string; Default?: string }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { Value: unknown }>;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Condition?: string;
  readonly UpdatePolicy?: Record<string, any>;
  readonly Metadata?: Record<string, any>;
}

/** `AWS::NoValue`: the property is left out. */
const NO_VALUE = Symbol('AWS::NoValue');

export function resolve(value: unknown, context: StackContext): any {
  const resolved = resolveValue(value, context);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolveValue(value: unknown, context: StackContext): any {
  if (Array.isArray(value)) {
    return value.map((item) => resolveValue(item, context)).filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const entries = Object.entries(value);
  if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
    const [name, argument] = entries[0];
    const fn = FUNCTIONS[name];
    if (!fn) throw new Error(`${name} is not resolved by the journey harness (stack ${context.stackName})`);
    return fn(argument, context);
  }
  return Object.fromEntries(entries.map(([key, inner]) => [key, resolveValue(inner, context)]).filter(([, inner]) => inner !== NO_VALUE));
}

export function pseudoParameter(name: string, context: StackContext): string | typeof NO_VALUE | undefined {
  switch (name) {
    case 'AWS::AccountId': return context.account;
    case 'AWS::Region': return context.region;
    case 'AWS::Partition': return 'aws';
    case 'AWS::URLSuffix': return 'amazonaws.com';
    case 'AWS::StackName': return context.stackName;
    case 'AWS::StackId': return stackId(context);
    case 'AWS::NoValue': return NO_VALUE;
    default: return undefined;
  }
}

export function stackId(context: Pick<StackContext, 'stackName' | 'account' | 'region'>): string {
  return `arn:aws:cloudformation:${context.region}:${context.account}:stack/${context.stackName}/00000000-0000-4000-8000-${context.account}`;
}

/** Whether a condition of the template holds. */
export function conditionHolds(name: string, context: StackContext): boolean {
  const expression = context.template.Conditions?.[name];
  if (expression === undefined) throw new Error(`Condition ${name} is not in stack ${context.stackName}`);
  return Boolean(resolveValue(expression, context));
}

const FUNCTIONS: Record<string, (argument: any, context: StackContext) => unknown> = {
  'Ref': (name: string, context) => {
    const pseudo = pseudoParameter(name, context);
    if (pseudo !== undefined) return pseudo;
    if (Object.hasOwn(context.parameters, name)) return context.parameters[name];
    if (context.template.Resources[name]) return context.physical(name);
    throw new Error(`Ref ${name}: no such parameter or resource in stack ${context.stackName}`);
  },
  'Fn::GetAtt': (target: string | string[], context) => {
    const [logicalId, ...attribute] = Array.isArray(target) ? target : target.split('.');
    return context.physical(logicalId, attribute.join('.'));
  },
  'Fn::Join': ([separator, parts], context) => (resolveValue(parts, context) as unknown[]).map(String).join(separator),
  'Fn::Base64': (content, context) => Buffer.from(String(resolveValue(content, context))).toString('base64'),
  'Fn::Select': ([index, list], context) => (resolveValue(list, context) as unknown[])[Number(resolveValue(index, context))],
  'Fn::Split': ([separator, source], context) => String(resolveValue(source, context)).split(separator),
  'Fn::GetAZs': (region, context) => {
    const name = resolveValue(region, context) || context.region;
    return ['a', 'b', 'c'].map((zone) => `${name}${zone}`);
  },
  'Fn::If': ([condition, whenTrue, whenFalse], context) => resolveValue(conditionHolds(condition, context) ? whenTrue : whenFalse, context),
  'Fn::Equals': ([left, right], context) => String(resolveValue(left, context)) === String(resolveValue(right, context)),
  'Fn::Not': ([condition], context) => !resolveValue(condition, context),
  'Fn::And': (conditions: unknown[], context) => conditions.every((condition) => resolveValue(condition, context)),
  'Fn::Or': (conditions: unknown[], context) => conditions.some((condition) => resolveValue(condition, context)),
  'Condition': (name: string, context) => conditionHolds(name, context),
  'Fn::Sub': (argument: string | [string, Record<string, unknown>], context) => {
    const [template, variables] = Array.isArray(argument) ? argument : [argument, {}];
    return template.replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
      if (literal) return '${' + name + '}';
      if (Object.hasOwn(variables, name)) return String(resolveValue(variables[name], context));
      if (name.includes('.')) {
        const [logicalId, ...attribute] = name.split('.');
        return String(context.physical(logicalId, attribute.join('.')));
      }
      return String(FUNCTIONS.Ref(name, context));
    });
  },
  'Fn::ImportValue': (name, context) => {
    throw new Error(`Stack ${context.stackName} imports ${JSON.stringify(name)}: the library must not use cross-stack exports`);
  },
};
