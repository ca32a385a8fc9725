import { App, Stack, aws_ec2 as ec2, aws_s3 as s3 } from 'aws-cdk-lib';
import { ApplicationImageRecipe, BaseImage, ImageOperatingSystem } from '../src';
import { recipeStack } from './helpers/recipe-stack';

const resolve = (value: string) => new Stack(new App(), 'Stack').resolve(value);

describe('BaseImage', () => {
  test('given Amazon Linux 2023, then it is the managed x86 image with the newest-version wildcard', () => {
    const image = BaseImage.amazonLinux2023();

    expect(resolve(image.parentImage)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':imagebuilder:', { Ref: 'AWS::Region' }, ':aws:image/amazon-linux-2023-x86/x.x.x']] });
    expect(image.operatingSystem).toBe(ImageOperatingSystem.LINUX);
    expect(image.architecture).toBe(ec2.InstanceArchitecture.X86_64);
  });

  test('given Amazon Linux 2023 on arm64, then it is the managed arm64 image', () => {
    const image = BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64);

    expect(JSON.stringify(resolve(image.parentImage))).toContain(':aws:image/amazon-linux-2023-arm64/x.x.x');
    expect(image.architecture).toBe(ec2.InstanceArchitecture.ARM_64);
  });

  test('given Windows Server 2022, then it is the managed English full base image on Windows', () => {
    const image = BaseImage.windowsServer2022();

    expect(JSON.stringify(resolve(image.parentImage))).toContain(':aws:image/windows-server-2022-english-full-base-x86/x.x.x');
    expect(image.operatingSystem).toBe(ImageOperatingSystem.WINDOWS);
  });

  test('given an AMI id, then the parent image is that id', () => {
    expect(BaseImage.fromAmiId('ami-0123456789abcdef0', ImageOperatingSystem.LINUX).parentImage).toBe('ami-0123456789abcdef0');
  });

  test('given an SSM parameter, then the parent image uses the ssm: prefix that Image Builder resolves at build time', () => {
    expect(BaseImage.fromSsmParameter('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64', ImageOperatingSystem.LINUX).parentImage)
      .toBe('ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
  });

  test('given a malformed AMI id, then it fails naming the value', () => {
    expect(() => BaseImage.fromAmiId('ami-xyz', ImageOperatingSystem.LINUX)).toThrow("Base image AMI id must look like 'ami-0123456789abcdef0', got 'ami-xyz'");
  });

  test('given an empty SSM parameter name, then it fails', () => {
    expect(() => BaseImage.fromSsmParameter(' ', ImageOperatingSystem.LINUX)).toThrow('Base image SSM parameter name must not be empty');
  });
});

describe('BaseImage.fromRecipe', () => {
  test('given another recipe, then the newest image its pipeline built is the parent, with its operating system and architecture', () => {
    const { recipe: hardened, stack } = recipeStack({ baseImage: BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64) });

    const image = BaseImage.fromRecipe(hardened);

    expect(stack.resolve(image.parentImage)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':imagebuilder:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:image/${hardened.imageRecipeName}/x.x.x`]],
    });
    expect(image.architecture).toBe(ec2.InstanceArchitecture.ARM_64);
    expect(image.operatingSystem).toBe(ImageOperatingSystem.LINUX);
  });

  test('given a recipe built on another recipe, then a change to the parent recipe renames the child recipe too', () => {
    const childRecipeName = (parentStartCommand: string) => {
      const { recipe: parent, stack } = recipeStack({ startCommand: parentStartCommand });
      const child = new ApplicationImageRecipe(stack, 'Child', {
        applicationName: 'api',
        artifact: { bucket: s3.Bucket.fromBucketName(stack, 'ApiArtifacts', 'api-artifacts'), key: 'api.zip' },
        startCommand: '/opt/api/bin/api',
        baseImage: BaseImage.fromRecipe(parent),
      });
      return child.imageRecipeName;
    };

    expect(childRecipeName('/opt/web/bin/server --v2')).not.toBe(childRecipeName('/opt/web/bin/server'));
  });
});
