/**
 * Flattens CloudFormation intrinsic functions in a synthesized template value into plain strings,
 * so that linters and local runtimes can read a user data script or a state machine definition
 * that CloudFormation would only assemble at deploy time.
 *
 * References become stable placeholders of letters, digits and underscores (`CFN_REF_Bucket`,
 * `CFN_ATT_Role_Arn`), which are inert both in a shell script and in a JSON string; pseudo
 * parameters get realistic values so that ARNs keep their shape.
 */
export function flattenIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(flattenIntrinsics);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const entries = Object.entries(value);
  if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
    const [name, argument] = entries[0];
    if (!Object.hasOwn(FUNCTIONS, name)) {
      // Guessing would lint a script or definition that CloudFormation never produces.
      throw new Error(`Cannot flatten ${name}: add it to scripts/lib/intrinsics.ts`);
    }
    return FUNCTIONS[name](argument);
  }
  return Object.fromEntries(entries.map(([key, inner]) => [key, flattenIntrinsics(inner)]));
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'stack',
  'AWS::StackId': 'arn:aws:cloudformation:us-east-1:123456789012:stack/stack/id',
  'AWS::NoValue': '',
};

const FUNCTIONS: Record<string, (argument: any) => unknown> = {
  'Ref': (name: string) => (Object.hasOwn(PSEUDO_PARAMETERS, name) ? PSEUDO_PARAMETERS[name] : placeholder('REF', name)),
  'Fn::GetAtt': (target: string | string[]) => placeholder('ATT', ...(Array.isArray(target) ? target : target.split('.'))),
  'Fn::Join': ([separator, parts]: [string, unknown]) => (flattenIntrinsics(parts) as unknown[]).map(String).join(separator),
  'Fn::Base64': (content: unknown) => flattenIntrinsics(content),
  'Fn::Select': ([index, list]: [number, unknown]) => (flattenIntrinsics(list) as unknown[])[Number(index)],
  'Fn::Split': ([separator, source]: [string, unknown]) => String(flattenIntrinsics(source)).split(separator),
  'Fn::ImportValue': (name: unknown) => placeholder('IMPORT', String(flattenIntrinsics(name))),
  // The zones of the region the pseudo parameters name (an environment-agnostic stack's), whichever region it is given.
  'Fn::GetAZs': () => ['a', 'b', 'c'].map((zone) => `${PSEUDO_PARAMETERS['AWS::Region']}${zone}`),
  'Fn::Sub': (argument: string | [string, Record<string, unknown>]) => {
    const [template, variables] = Array.isArray(argument) ? argument : [argument, {}];
    return template.replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
      if (literal) return '${' + name + '}';
      if (Object.hasOwn(variables, name)) return String(flattenIntrinsics(variables[name]));
      if (Object.hasOwn(PSEUDO_PARAMETERS, name)) return PSEUDO_PARAMETERS[name];
      // `${Resource}` is a Ref and `${Resource.Attribute}` a GetAtt: same placeholders as those.
      return name.includes('.') ? placeholder('ATT', ...name.split('.')) : placeholder('REF', name);
    });
  },
};

function placeholder(kind: string, ...parts: string[]): string {
  return ['CFN', kind, ...parts].join('_').replace(/[^A-Za-z0-9_]/g, '_');
}
