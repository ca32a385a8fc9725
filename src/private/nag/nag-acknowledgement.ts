import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on a construct and its children, with the reason.
 *
 * cdk-nag 3 names findings like `AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]` and looks for that
 * id in the acknowledged-rules metadata; `Validations.acknowledge()` rejects such ids because
 * `::` separates its own prefix. So the metadata entry it would record is written directly.
 */
export function acknowledgeNagFinding(scope: IConstruct, findingId: string, reason: string): void {
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [findingId]: reason });
}

/**
 * How cdk-nag writes a policy resource in finding ids: references as `<LogicalId>`,
 * `<LogicalId.Attribute>` or `<AWS::Partition>`, joins concatenated, other intrinsics as JSON.
 */
export function nagResourceReference(scope: IConstruct, resource: string): string {
  return renderForNag(Stack.of(scope).resolve(resource));
}

function renderForNag(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.Ref !== undefined) return `<${value.Ref}>`;
  if (value?.['Fn::GetAtt'] !== undefined) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value?.['Fn::Join'] !== undefined) {
    const [delimiter, parts] = value['Fn::Join'];
    return parts.map(renderForNag).join(delimiter);
  }
  // Other intrinsics (Fn::Select, Fn::Split) appear as their JSON.
  return JSON.stringify(value);
}
