import { COMMIT_CONTENTS, benchmarkArchitectureBake, benchmarkBakes } from '../../../scripts/lib/bake-benchmark';

describe('benchmarkBakes', () => {
  test('given 10 commits of which 6 change nothing installed, then the bake builds 4 images where baking every commit builds 10', async () => {
    expect(await benchmarkBakes(COMMIT_CONTENTS)).toEqual({ commits: 10, imageBuilds: 4, bakeEveryCommitBuilds: 10 });
  });

  test('given a commit that returns to earlier content, then its image is reused, not built again', async () => {
    const [a, b] = ['a', 'b'].map((content) => content.repeat(64));

    expect((await benchmarkBakes([a, b, a])).imageBuilds).toBe(2);
  });

  test('given builds of 20 and 30 minutes for x86_64 and arm64, then one bake takes about as long as the slower, not as the two together', async () => {
    // 100 ms a minute: a loaded machine overshoots each wait by milliseconds, which at 60 ms a
    // minute once added up to more than the room below.
    const { bakeMinutes } = await benchmarkArchitectureBake({ x86_64: 20, arm64: 30 }, 100);

    // Measured in real time: room for a loaded machine either way, none for the 50 minutes of builds in sequence.
    expect(bakeMinutes).toBeGreaterThan(24);
    expect(bakeMinutes).toBeLessThan(42);
  });
});
