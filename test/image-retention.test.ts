import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import { ImageRetention } from '../src/image-retention';

const EXCLUSIONS = { tagMap: { pinned: 'true' } };

function rules(retention: ImageRetention) {
  return retention._policyDetails(EXCLUSIONS);
}

describe('ImageRetention', () => {
  describe('count', () => {
    test('given a count, then one delete rule keeps that many newest images', () => {
      expect(rules(ImageRetention.count(5))).toEqual([expect.objectContaining({
        action: expect.objectContaining({ type: 'DELETE' }),
        filter: { type: 'COUNT', value: 5 },
      })]);
    });

    test('given a count, then the delete rule takes the AMIs and their snapshots with the image', () => {
      expect(rules(ImageRetention.count(5))[0].action).toEqual({ type: 'DELETE', includeResources: { amis: true, snapshots: true } });
    });

    test('given a count, then the rule carries the exclusions', () => {
      expect(rules(ImageRetention.count(5))[0].exclusionRules).toBe(EXCLUSIONS);
    });

    test('given a count from a token, then it is used unvalidated', () => {
      const count = Lazy.number({ produce: () => 0 });

      const value = (rules(ImageRetention.count(count))[0].filter as any).value;

      expect(new Stack().resolve(value)).toBe(0);
    });

    test.each([
      [0, 'Image retention count must be at least 1, got 0'],
      [-3, 'Image retention count must be at least 1, got -3'],
      [2.5, 'Image retention count must be a whole number, got 2.5'],
      [1001, "Image retention count must be at most 1000 (Image Builder's limit), got 1001"],
    ])('given the count %p, then it fails naming the value', (count, message) => {
      expect(() => ImageRetention.count(count)).toThrow(message);
    });

    test('given the limits 1 and 1000, then both are accepted', () => {
      expect(() => ImageRetention.count(1)).not.toThrow();
      expect(() => ImageRetention.count(1000)).not.toThrow();
    });
  });

  describe('age', () => {
    test('given an age, then images older than it are deprecated first', () => {
      expect(rules(ImageRetention.age(Duration.days(30)))[0]).toEqual({
        action: { type: 'DEPRECATE', includeResources: { amis: true } },
        filter: { type: 'AGE', value: 30, unit: 'DAYS' },
        exclusionRules: EXCLUSIONS,
      });
    });

    test('given an age, then images are deleted with their AMIs and snapshots 7 days after the age', () => {
      expect(rules(ImageRetention.age(Duration.days(30)))[1]).toEqual({
        action: { type: 'DELETE', includeResources: { amis: true, snapshots: true } },
        filter: { type: 'AGE', value: 37, unit: 'DAYS' },
        exclusionRules: EXCLUSIONS,
      });
    });

    test('given an age, then no image is kept beyond it for its recipe version alone', () => {
      expect(rules(ImageRetention.age(Duration.days(30))).map((rule) => (rule.filter as any).retainAtLeast)).toEqual([undefined, undefined]);
    });

    test('given an age in weeks, then it counts in days', () => {
      expect(rules(ImageRetention.age(Duration.days(14)))[0].filter).toEqual({ type: 'AGE', value: 14, unit: 'DAYS' });
    });

    test('given an age from a token, then deprecation and deletion share it, unvalidated', () => {
      const age = Duration.days(Lazy.number({ produce: () => 0 }));

      const values = rules(ImageRetention.age(age)).map((rule) => new Stack().resolve((rule.filter as any).value));

      expect(values).toEqual([0, 0]);
    });

    test.each([
      ['36 hours', Duration.hours(36), 'Image retention age must be a whole number of days, got 1 day 12 hours'],
      ['12 hours', Duration.hours(12), 'Image retention age must be a whole number of days, got 12 hours'],
      ['0 days', Duration.days(0), 'Image retention age must be at least 1 day, got 0 days'],
      ['994 days', Duration.days(994), 'Image retention age must be at most 993 days (deletion follows 7 days later, and Image Builder counts at most 1000 days), got 994 days'],
    ])('given the age %s, then it fails naming the value', (_name, age, message) => {
      expect(() => ImageRetention.age(age)).toThrow(message);
    });

    test('given the limits 1 day and 993 days, then both are accepted', () => {
      expect(() => ImageRetention.age(Duration.days(1))).not.toThrow();
      expect(rules(ImageRetention.age(Duration.days(993)))[1].filter).toEqual({ type: 'AGE', value: 1000, unit: 'DAYS' });
    });
  });
});
