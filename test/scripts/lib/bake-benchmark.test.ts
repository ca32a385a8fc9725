import { COMMIT_CONTENTS, benchmarkBakes } from '../../../scripts/lib/bake-benchmark';

describe('benchmarkBakes', () => {
  test('given 10 commits of which 6 change nothing installed, then the bake builds 4 images where baking every commit builds 10', async () => {
    expect(await benchmarkBakes(COMMIT_CONTENTS)).toEqual({ commits: 10, imageBuilds: 4, bakeEveryCommitBuilds: 10 });
  });

  test('given a commit that returns to earlier content, then its image is reused, not built again', async () => {
    const [a, b] = ['a', 'b'].map((content) => content.repeat(64));

    expect((await benchmarkBakes([a, b, a])).imageBuilds).toBe(2);
  });
});
