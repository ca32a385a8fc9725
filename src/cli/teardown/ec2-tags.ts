import { Tag } from '@aws-sdk/client-ec2';

/** The value of an EC2 resource's tag, as DescribeImages, DescribeVolumes and DescribeSnapshots list them. */
export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}
