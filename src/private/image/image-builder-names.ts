import { createHash } from 'crypto';
import { Names, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A stable, lowercase Image Builder name for a construct (no fixed physical names: the path makes
 * it unique per stack, the stack name per account).
 *
 * @param content when given, its hash ends the name. Components and recipes are immutable per
 * name and version, so a new name per content lets CloudFormation replace them without an
 * "already exists" failure, while the version stays 1.0.0.
 */
export function imageBuilderName(scope: IConstruct, content?: unknown): string {
  const base = Names.uniqueResourceName(scope, { maxLength: 100, separator: '-' }).toLowerCase();
  return content === undefined ? base : `${base}-${contentHash(scope, content)}`;
}

/**
 * Hash of content that may hold tokens: tokens are resolved to their CloudFormation form first,
 * so the hash depends on what is deployed, not on the order constructs were created in.
 */
export function contentHash(scope: IConstruct, content: unknown): string {
  const resolved = JSON.stringify(Stack.of(scope).resolve(content));
  return createHash('sha256').update(resolved).digest('hex').slice(0, 12);
}

/**
 * The ARN, with a wildcard, of what a build for an artifact makes of its own and names after the
 * recipe with a per-build suffix (`<recipe>-<suffix>`): its images (by default), its recipe
 * versions or its distribution configurations.
 */
export function perBuildArn(stack: Stack, recipeName: string, resource: 'image' | 'image-recipe' | 'distribution-configuration' = 'image'): string {
  return stack.formatArn({ service: 'imagebuilder', resource, resourceName: `${recipeName}-*` });
}
