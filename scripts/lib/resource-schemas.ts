/**
 * CloudFormation's resource schemas (the registry's, as cfn-lint ships them in the project's venv):
 * among other things, the IAM permissions each resource type's handlers declare they call.
 *
 * @see https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html
 */
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT, SETUP_HINT } from './project';

export type HandlerName = 'create' | 'read' | 'update' | 'delete' | 'list';

const VENV_LIB = path.join(PROJECT_ROOT, '.venv', 'lib');

function schemasFolder(): string {
  const python = fs.existsSync(VENV_LIB) ? fs.readdirSync(VENV_LIB).find((entry) => entry.startsWith('python')) : undefined;
  const folder = python && path.join(VENV_LIB, python, 'site-packages', 'cfnlint', 'data', 'schemas');
  if (!folder || !fs.existsSync(folder)) throw new Error(`cfn-lint's resource schemas are missing under ${VENV_LIB}; ${SETUP_HINT}`);
  return folder;
}

/** The permissions a resource type's handler declares, as the schema spells them (`ec2:Describe*`). */
export function handlerPermissions(resourceType: string, handler: HandlerName, region = 'us-east-1'): string[] {
  const folder = schemasFolder();
  const providers = JSON.parse(fs.readFileSync(path.join(folder, 'providers', `${region}.json`), 'utf8'));
  const schemaFile = providers[resourceType];
  if (!schemaFile) throw new Error(`cfn-lint has no schema of ${resourceType} in ${region}`);
  const schema = JSON.parse(fs.readFileSync(path.join(folder, 'resources', `${schemaFile}.json`), 'utf8'));
  return schema.handlers?.[handler]?.permissions ?? [];
}
