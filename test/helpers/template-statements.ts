/**
 * Reading synthesized templates in assertions: the one resource of a type, the statements of a
 * role's policies, and CloudFormation strings written out for comparison.
 */
import { Template } from 'aws-cdk-lib/assertions';

/** The one resource of `type` whose logical id starts with `logicalIdPrefix`: its id and definition. */
export function onlyResource(template: Template, type: string, logicalIdPrefix = ''): [string, Record<string, any>] {
  const resources = Object.entries(template.findResources(type)).filter(([logicalId]) => logicalId.startsWith(logicalIdPrefix));
  expect(resources).toHaveLength(1);
  return resources[0];
}

/** Statements of the policies attached to the role with this logical id prefix. */
export function roleStatements(template: Template, roleIdPrefix: string): any[] {
  const [roleId] = onlyResource(template, 'AWS::IAM::Role', roleIdPrefix);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** The one statement that grants `action`. */
export function statementFor(statements: any[], action: string): any {
  const matching = statements.filter((statement) => [statement.Action].flat().includes(action));
  expect(matching).toHaveLength(1);
  return matching[0];
}

/** A CloudFormation string value written out, references as `${LogicalId}`, for comparisons. */
export function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value.Ref !== undefined) return `\${${value.Ref}}`;
  if (value['Fn::GetAtt'] !== undefined) return `\${${value['Fn::GetAtt'].join('.')}}`;
  if (value['Fn::Join'] !== undefined) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

/** An ARN in the stack's partition, region and account, as `render` writes it. */
export const ACCOUNT_ARN = (service: string, resource: string) => `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`;
