/**
 * Tag keys that bind a data volume to its environment, deployment and slot: the launching workflow
 * finds the volumes it may hand over by them, a release the volumes it snapshots, and the teardown
 * the volumes left behind.
 */
export const DATA_VOLUME_TAG_KEYS = {
  /** The stack of the environment the volume holds the data of. */
  stack: 'immutable-servers:data-volume-of',
  /**
   * The deployment within that stack, on its volumes, its group and the group's instances: the
   * handover takes, and may attach, only its own deployment's volumes, to its own instances.
   */
  deployment: 'immutable-servers:data-volume-deployment',
  /** What the volumes were made with (zone and key): the volumes CloudFormation replaced, and retained, are left alone. */
  generation: 'immutable-servers:data-volume-generation',
  /** The volume's slot, 1 to the group's maximum capacity. */
  slot: 'immutable-servers:data-volume-slot',
  /** Set once an instance has attached the volume: it may hold data, and is handed on before a fresh one. */
  used: 'immutable-servers:data-volume-used',
  /** The instance the volume was last handed to: its replacement takes this volume before any other. */
  instance: 'immutable-servers:data-volume-instance',
  /** On a snapshot a release took of the volume: the version it released next. */
  beforeRelease: 'immutable-servers:before-release',
};
