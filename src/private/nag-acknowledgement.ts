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

/** How cdk-nag writes a resource's ARN in finding ids: `<LogicalId.Arn>`. */
export function nagArnReference(resource: { logicalId: string; stack: Stack }): string {
  return `<${resource.stack.resolve(resource.logicalId)}.Arn>`;
}
