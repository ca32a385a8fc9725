import { IConstruct } from 'constructs';

/**
 * The cloud assembly metadata entry that marks a construct of this library: each of its public
 * constructs, and each stack it makes for itself. The teardown command deletes what CloudFormation
 * retained only when the resource's construct lies under such a mark; the entry goes to the stack's
 * metadata in the assembly (`<stack>.metadata.json`), not to its template.
 */
export const LIBRARY_CONSTRUCT_METADATA = 'cdk-immutable-servers:construct';

/** Marks a construct of the library, naming what it is; returns it. */
export function markLibraryConstruct<T extends IConstruct>(construct: T, what: string): T {
  construct.node.addMetadata(LIBRARY_CONSTRUCT_METADATA, what, { stackTrace: false });
  return construct;
}
