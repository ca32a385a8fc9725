import { Names, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** IAM's longest role name. */
const ROLE_NAME_MAX_LENGTH = 64;

/**
 * A role name made from the construct's path, unique and at most 64 characters: literal, so that
 * other stacks and accounts name the role by its ARN without an export.
 */
export function literalRoleName(scope: IConstruct): string {
  return Names.uniqueResourceName(scope, { maxLength: ROLE_NAME_MAX_LENGTH, separator: '-' });
}

/** The ARN of the role of that name in the scope's account. */
export function roleArnOf(scope: IConstruct, roleName: string): string {
  return Stack.of(scope).formatArn({ service: 'iam', region: '', resource: 'role', resourceName: roleName });
}

/**
 * A role ARN as IAM takes it: an account of 12 digits, and a name (after an optional path) of 1
 * to 64 letters, digits and `+=,.@_-`.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
 */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7E]*\/)?([\w+=,.@-]+)$/;

/**
 * Fails synthesis, naming `what` and the value, when a literal role ARN is one IAM would refuse;
 * returns its account.
 */
export function validateRoleArn(arn: string, what: string): string {
  const match = ROLE_ARN.exec(arn);
  if (!match) {
    throw new Error(`${what} must be the ARN of an IAM role (arn:aws:iam::<12-digit account>:role/<name>), got '${arn}'`);
  }
  if (match[2].length > ROLE_NAME_MAX_LENGTH) {
    throw new Error(`${what} names a role of ${match[2].length} characters, but IAM role names have at most ${ROLE_NAME_MAX_LENGTH}: '${arn}'`);
  }
  return match[1];
}
