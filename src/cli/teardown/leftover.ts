import { Location } from './location';

/** What the command deletes, named as the report names it. */
export enum LeftoverKind {
  IMAGE_BUILDER_IMAGE = 'Image Builder image',
  BUILD_RECIPE = 'Image Builder recipe of one bake',
  BUILD_DISTRIBUTION = 'Image Builder distribution configuration of one bake',
  AMI = 'AMI',
  SNAPSHOT = 'EBS snapshot',
  DATA_VOLUME = 'EBS data volume',
  DATA_SNAPSHOT = 'EBS snapshot of a data volume',
  PARAMETER = 'SSM parameter',
  BUCKET = 'S3 bucket',
  LOG_GROUP = 'log group',
  KMS_KEY = 'KMS key',
}

/**
 * The order the command deletes in. Image Builder images before the recipe versions and
 * distribution configurations they were built from, which Image Builder may refuse to delete while
 * an image refers to them (ResourceDependencyException); AMIs before their snapshots, which EC2
 * refuses to delete while an AMI uses them; data volumes before their snapshots, which go only with
 * their volume; keys last, after the log groups and buckets they may encrypt.
 */
export const DELETION_ORDER: readonly LeftoverKind[] = [
  LeftoverKind.IMAGE_BUILDER_IMAGE,
  LeftoverKind.BUILD_RECIPE,
  LeftoverKind.BUILD_DISTRIBUTION,
  LeftoverKind.AMI,
  LeftoverKind.SNAPSHOT,
  LeftoverKind.DATA_VOLUME,
  LeftoverKind.DATA_SNAPSHOT,
  LeftoverKind.PARAMETER,
  LeftoverKind.BUCKET,
  LeftoverKind.LOG_GROUP,
  LeftoverKind.KMS_KEY,
];

/**
 * What goes while the stacks still exist: Image Builder resources that refer to a stack's
 * components and configurations, which CloudFormation may otherwise fail to delete. Everything else
 * waits for the stacks, whose instances, releases and workflows use it.
 */
export const BEFORE_THE_STACKS: ReadonlySet<LeftoverKind> = new Set([
  LeftoverKind.IMAGE_BUILDER_IMAGE,
  LeftoverKind.BUILD_RECIPE,
  LeftoverKind.BUILD_DISTRIBUTION,
]);

/** Something the library's constructs left outside CloudFormation, and how to delete it. */
export interface Leftover {
  readonly kind: LeftoverKind;
  readonly location: Location;
  /** What its service knows it by: an ARN, an id or a name. */
  readonly id: string;
  /** What makes it the application's: the tag or name it was found by. */
  readonly foundBy: string;
  /** What else the report shows, such as an AMI's name or how many objects a bucket holds. */
  readonly detail?: string;
  /** What must be gone before it can be deleted. */
  readonly after?: Leftover[];
  /** A volume's size, in GiB. */
  readonly sizeGiB?: number;
  /**
   * Whether it holds the application's data (a data volume, a snapshot of one): deleted only when
   * data deletion is asked for (`--delete-data`), and otherwise kept without counting as left.
   */
  readonly isData?: boolean;
  /** Why it is never deleted as it is found (a volume attached to an instance), if it is not. */
  readonly keptBecause?: string;
  /** Deletes it, and says how when that is not immediate (a key's deletion is scheduled). */
  remove(): Promise<string | void>;
}

/**
 * Something a search came upon that is not the library's, and so is never deleted: a resource the
 * stacks retained that the library's constructs did not make, or a name another account now owns.
 */
export interface LeftAlone {
  readonly kind: LeftoverKind;
  readonly location: Location;
  readonly id: string;
  /** Why it is not the library's. */
  readonly why: string;
}

/** Whether a search's find is something to delete, not something to leave alone. */
export function isLeftover(found: Leftover | LeftAlone): found is Leftover {
  return 'remove' in found;
}

/** A search that could not run: whatever it would have found may still be there. */
export interface SearchFailure {
  readonly location: Location;
  /** What was searched for, e.g. `AMIs of web`. */
  readonly search: string;
  readonly cause: string;
}

/** The cause of an error, as the report prints it: the service's error code and message. */
export function causeOf(error: unknown): string {
  if (error instanceof Error) {
    return error.name && error.name !== 'Error' && !error.message.startsWith(error.name) ? `${error.name}: ${error.message}` : error.message;
  }
  return String(error);
}
