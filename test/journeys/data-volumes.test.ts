import { journey } from '../helpers/journeys';

/**
 * The fleet invariants of a deployment with data volumes, in dev of the journey app's stateful
 * variant (two instances, up to four, so four volumes). The journey also checks after every step
 * that no volume is attached to two instances (as the volumes and as the instances' block devices
 * say) and that no instance is InService without exactly one data volume.
 */
describe('journeys: data volumes', () => {
  // One run of the journey for both tests.
  let run: ReturnType<typeof journey> | undefined;
  const stateful = () => (run ??= journey('a stateful dev: releases, a failed release, scaling and taints hand each data volume on')) as Promise<any>;

  test('releases, a failed release, scale-out, scale-in and taints keep every data volume on a running instance, never on two', async () => {
    const { report, facts } = await stateful();
    const attached = (volumes: any[]) => volumes.filter((volume) => volume.attachedTo !== undefined).map((volume) => volume.slot);
    const used = (volumes: any[]) => volumes.filter((volume) => volume.used).map((volume) => volume.slot);
    expect(report).toMatchObject({ violations: [] });

    // The first release launches two instances, which take the lowest fresh slots; no volume has held data before it, so
    // none is snapshotted.
    expect(attached(facts.first.volumes)).toEqual([1, 2]);
    expect(used(facts.first.volumes)).toEqual([1, 2]);
    expect(Object.values(facts.first.snapshots)).toEqual([]);

    // A release replaces each instance by one that holds the volume its predecessor held: the same volumes, on new instances.
    expect(facts.released.status).toBe('Succeeded');
    expect(facts.released.handover.successors).toEqual([{ replaced: true, keptVolume: true }, { replaced: true, keptVolume: true }]);
    expect(facts.released.handover.attachedAfter).toEqual(facts.released.handover.attachedBefore);
    // Before it, each volume that has held data (slots 1 and 2, not the two never attached) is snapshotted.
    expect(Object.values(facts.released.snapshots)).toEqual([2]);

    // A release whose alarm goes off after the first replacement rolls back: that instance is replaced twice, each time
    // keeping its volume; every volume that held data is attached to an InService instance.
    expect(facts.failed).toMatchObject({ status: 'Failed', stack: 'UPDATE_ROLLBACK_COMPLETE' });
    expect(facts.failed.handover.successors).toEqual([{ replaced: true, keptVolume: true }, { replaced: false, keptVolume: true }]);
    expect(facts.failed.handover.attachedAfter).toEqual(facts.failed.handover.attachedBefore);
    for (const volume of facts.failed.volumes.filter((candidate: any) => candidate.used)) expect(facts.failed.running).toContain(volume.attachedTo);

    // Scale-out takes the lowest fresh slot; scale-in leaves its volume available and marked used; the next scale-out
    // takes that used volume back rather than the fresh slot 4.
    expect(attached(facts.scaledOut)).toEqual([1, 2, 3]);
    expect(facts.scaledIn.volumes.find((volume: any) => volume.slot === 3)).toMatchObject({ state: 'available', used: true });
    expect(attached(facts.scaledIn.volumes)).toEqual([1, 2]);
    expect(attached(facts.scaledOutAgain)).toEqual([1, 2, 3]);
    expect(facts.scaledOutAgain.find((volume: any) => volume.slot === 4)).toMatchObject({ state: 'available', used: false });

    // The taint workflow terminates every instance at once: the replacements race for the freed volumes (AttachVolume
    // refuses the losers, which look again), so each gets one of them, not necessarily its predecessor's.
    expect(facts.tainted.status).toBe('SUCCEEDED');
    expect(facts.tainted.handover.successors.every((successor: any) => successor.replaced)).toBe(true);
    expect(facts.tainted.handover.attachedAfter).toEqual(facts.tainted.handover.attachedBefore);

    // An operator then removes the instance holding slot 1, and version 4 is released to the two left.
    expect(facts.releasedAfterScaleIn.status).toBe('Succeeded');
    expect(facts.releasedAfterScaleIn.handover.successors.every((successor: any) => successor.replaced)).toBe(true);

    // Every launch went through the hook and continued; none was abandoned.
    expect(facts.instances).toBe(2);
    expect(facts.launches).toMatchObject({ continued: facts.counts.launched, abandoned: 0 });
  });

  // Once a scale-in has left a used volume of a lower slot available, terminate-first frees the predecessor's volume
  // beside it. The handover takes the volume of the instance that terminated last (the group's scaling activities, and
  // the instance each volume was last handed to), so the idle slot 1 stays idle and each instance keeps its data.
  // (Found by this journey, when the handover took the lowest used slot: it failed then.)
  test('a release after an operator\'s scale-in keeps each remaining instance\'s volume', async () => {
    const { facts } = await stateful();
    expect(facts.releasedAfterScaleIn.handover.attachedAfter).toEqual(facts.releasedAfterScaleIn.handover.attachedBefore);
    expect(facts.releasedAfterScaleIn.handover.successors.every((successor: any) => successor.keptVolume)).toBe(true);
  });

  describe('dev gets data volumes after its first release', () => {
    let added: ReturnType<typeof journey> | undefined;
    const laterVolumes = () => (added ??= journey('dev gets data volumes after its first release')) as Promise<any>;

    test('the deploy replaces every instance, each with a data volume of its own, and the next release keeps them', async () => {
      const { report, facts } = await laterVolumes();
      expect(report).toMatchObject({ violations: [] });
      // The launch template changed (the user data mounts the volume), so the deploy refreshed both instances.
      expect(facts.afterDeploy.replaced).toBe(2);
      expect(facts.release.status).toBe('Succeeded');
      expect(Object.values(facts.release.holders).filter((volume) => volume !== '')).toHaveLength(2);
      expect(new Set(Object.values(facts.release.holders)).size).toBe(2);
    });

    // The group declares the hook itself and depends on the rule and the workflow, so the update that adds the data
    // volumes has its hook before its instance refresh launches anything. (Found by this journey when the hook was a
    // resource naming the group, created after the group's update: the refresh's instances went InService without a volume.)
    test('the deploy that adds the data volumes keeps every instance InService with a data volume', async () => {
      const { facts } = await laterVolumes();
      expect(facts.broken).toEqual([]);
    });
  });
});
