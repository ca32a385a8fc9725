import { Duration, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { shellcheck } from '../scripts/lib/shellcheck';
import { ApplicationImageRecipeProps, ArtifactFormat, BaseImage, ImageBuildStep, ImageOperatingSystem } from '../src';
import { applicationDocument, managedComponent, onlyResource, recipeStack, stepScript } from './helpers/recipe-stack';

const IMAGE_BUILDER_NAME = /^[-_A-Za-z0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z0-9]$/;

describe('ApplicationImageRecipe', () => {
  describe('recipe', () => {
    test('given defaults, then it patches the OS, adds the CloudWatch agent, then installs the application on the newest Amazon Linux 2023', () => {
      const recipe = onlyResource(recipeStack().template, 'AWS::ImageBuilder::ImageRecipe').Properties;

      expect(recipe.ParentImage).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':imagebuilder:', { Ref: 'AWS::Region' }, ':aws:image/amazon-linux-2023-x86/x.x.x']] });
      expect(recipe.Version).toBe('1.0.0');
      expect(recipe.Name).toMatch(IMAGE_BUILDER_NAME);
      expect(recipe.Name).toBe(recipe.Name.toLowerCase());
      expect(recipe.Components).toEqual([
        managedComponent('update-linux'),
        managedComponent('amazon-cloudwatch-agent-linux'),
        { ComponentArn: { 'Fn::GetAtt': [expect.stringMatching(/^ImageApplicationComponent/), 'Arn'] } },
      ]);
    });

    test('given defaults, then the SSM agent stays in the image after the build', () => {
      const recipe = onlyResource(recipeStack().template, 'AWS::ImageBuilder::ImageRecipe').Properties;

      expect(recipe.AdditionalInstanceConfiguration).toEqual({ SystemsManagerAgent: { UninstallAfterBuild: false } });
    });

    test('given patchOperatingSystem false, then the update-linux component is left out', () => {
      const recipe = onlyResource(recipeStack({ patchOperatingSystem: false }).template, 'AWS::ImageBuilder::ImageRecipe').Properties;

      expect(recipe.Components).not.toContainEqual(managedComponent('update-linux'));
      expect(recipe.Components).toContainEqual(managedComponent('amazon-cloudwatch-agent-linux'));
    });

    test('given the same props twice, then component and recipe names are stable', () => {
      const names = (template: Template) => [
        onlyResource(template, 'AWS::ImageBuilder::Component').Properties.Name,
        onlyResource(template, 'AWS::ImageBuilder::ImageRecipe').Properties.Name,
      ];

      expect(names(recipeStack().template)).toEqual(names(recipeStack().template));
    });

    test('given a changed start command, then both the component and the recipe get new names, so the update replaces them without an "already exists" collision', () => {
      const before = recipeStack().template;
      const after = recipeStack({ startCommand: '/opt/web/bin/server --verbose' }).template;

      for (const type of ['AWS::ImageBuilder::Component', 'AWS::ImageBuilder::ImageRecipe']) {
        expect(onlyResource(after, type).Properties.Name).not.toBe(onlyResource(before, type).Properties.Name);
        expect(onlyResource(after, type).Properties.Version).toBe(onlyResource(before, type).Properties.Version);
      }
    });
  });

  describe('application component', () => {
    test('given defaults, then it is a Linux component whose build, validate and test phases install, check enablement and check the running service', () => {
      const { template } = recipeStack();
      const component = onlyResource(template, 'AWS::ImageBuilder::Component').Properties;
      const document = applicationDocument(template);

      expect(component).toMatchObject({ Platform: 'Linux', Version: '1.0.0' });
      expect(document.schemaVersion).toBe('1.0');
      expect(document.phases.map((phase: any) => [phase.name, phase.steps.map((step: any) => step.name)])).toEqual([
        ['build', ['InstallApplication']],
        ['validate', ['ServiceEnabled']],
        ['test', ['ServiceActive']],
      ]);
    });

    test('given the artifact and start command, then the install script downloads the artifact parameter, which defaults to that key, and starts that command as a systemd service', () => {
      const document = applicationDocument(recipeStack({ runtimePackages: ['nodejs20'] }).template);
      const script = stepScript(document, 'build', 'InstallApplication');

      expect(document.parameters).toEqual([{
        ArtifactS3Uri: { type: 'string', default: 's3://artifacts/web/web-1.0.0.tar.gz', description: expect.any(String) },
      }]);
      expect(script).toContain("artifact='{{ ArtifactS3Uri }}'");
      expect(script).toContain('ExecStart=/opt/web/bin/server\n');
      expect(script).toContain('dnf install -y nodejs20 logrotate\n');
    });

    test('given a key without extension and an explicit format, then the format decides how it is unpacked', () => {
      const script = stepScript(applicationDocument(recipeStack({}, (stack) => ({
        artifact: { bucket: s3.Bucket.fromBucketName(stack, 'Pipeline', 'pipeline-artifacts'), key: 'build/Artifact/a1b2c3', format: ArtifactFormat.ZIP },
      })).template), 'build', 'InstallApplication');

      expect(script).toContain('unzip -q -o "$download_dir/artifact" -d "$app_dir"');
    });

    test('given a health check, then the test phase probes it with bounded retries after the service is active', () => {
      const document = applicationDocument(recipeStack({ healthCheck: { port: 8080, path: '/health', timeout: Duration.seconds(30) } }).template);

      expect(document.phases[2].steps.map((step: any) => step.name)).toEqual(['ServiceActive', 'HttpHealthCheck']);
      const probe = stepScript(document, 'test', 'HttpHealthCheck');
      expect(probe).toContain("url='http://127.0.0.1:8080/health'");
      expect(probe).toContain('attempts=6\n');
    });

    test('given every option, then every generated script passes shellcheck', () => {
      const document = applicationDocument(recipeStack({ healthCheck: { port: 8080 }, runtimePackages: ['nodejs20'] }).template);
      const scripts = document.phases.flatMap((phase: any) => phase.steps.map((step: any) => step.inputs.commands[0]));

      expect(scripts).toHaveLength(4);
      scripts.forEach((script: string) => expect(shellcheck(script)).toEqual([]));
    });
  });

  describe('build instances', () => {
    test('given defaults, then they require IMDSv2, are terminated on failure, log to the logs bucket and notify the topic', () => {
      const { template } = recipeStack();

      template.hasResourceProperties('AWS::ImageBuilder::InfrastructureConfiguration', {
        InstanceTypes: ['t3.medium'],
        InstanceMetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        TerminateInstanceOnFailure: true,
        Logging: { S3Logs: { S3BucketName: { Ref: Match.stringLikeRegexp('^ImageBuildLogs') }, S3KeyPrefix: 'builds' } },
        SnsTopicArn: { Ref: Match.stringLikeRegexp('^ImageBuildNotifications') },
        SubnetId: Match.absent(),
        KeyPair: Match.absent(),
      });
    });

    test('given an arm64 base image, then they default to a Graviton instance type', () => {
      recipeStack({ baseImage: BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64) }).template
        .hasResourceProperties('AWS::ImageBuilder::InfrastructureConfiguration', { InstanceTypes: ['t4g.medium'] });
    });

    test('given a VPC, then they run in its first private subnet with an outbound-only security group', () => {
      const { template } = recipeStack({}, (stack) => ({ vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) }));

      template.hasResourceProperties('AWS::ImageBuilder::InfrastructureConfiguration', {
        SubnetId: { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet1') },
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ImageBuildSecurityGroup'), 'GroupId'] }],
      });
      const securityGroup = onlyResource(template, 'AWS::EC2::SecurityGroup').Properties;
      expect(securityGroup.SecurityGroupIngress).toBeUndefined();
    });

    test('given defaults, then their role may read the artifact key and write build logs, and nothing else beyond the two Image Builder managed policies', () => {
      const { template } = recipeStack();

      const role = Object.values(template.findResources('AWS::IAM::Role', { Properties: { Description: 'Build and test instances of the web image' } }))[0].Properties;
      expect(JSON.stringify(role.ManagedPolicyArns)).toMatch(/AmazonSSMManagedInstanceCore.*EC2InstanceProfileForImageBuilder/);
      expect(role.ManagedPolicyArns).toHaveLength(2);
      const statements = onlyResource(template, 'AWS::IAM::Policy').Properties.PolicyDocument.Statement;
      expect(statements).toEqual([
        { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::artifacts/web/web-1.0.0.tar.gz']] } },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^ImageBuildLogs/), 'Arn'] }, '/builds/*']] } },
      ]);
    });

    test('given an artifact bucket encrypted with a KMS key, then the role may decrypt with that key', () => {
      const { template } = recipeStack({}, (stack) => ({
        artifact: { bucket: new s3.Bucket(stack, 'Encrypted', { encryptionKey: new kms.Key(stack, 'Key') }), key: 'web.zip' },
      }));

      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } })]) },
      });
    });

    test('given an imported artifact bucket and the key it encrypts with, then the role may decrypt with that key', () => {
      const { template } = recipeStack({}, (stack) => ({
        artifact: {
          bucket: s3.Bucket.fromBucketName(stack, 'Imported', 'imported-artifacts'),
          key: 'web.zip',
          encryptionKey: kms.Key.fromKeyArn(stack, 'ImportedKey', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
        },
      }));

      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Resource: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' })]) },
      });
    });

    test('given defaults, then the infrastructure configuration waits for the role and its policy, so a build never starts without artifact access', () => {
      const infrastructure = onlyResource(recipeStack().template, 'AWS::ImageBuilder::InfrastructureConfiguration');

      expect(infrastructure.DependsOn).toEqual(expect.arrayContaining([
        expect.stringMatching(/^ImageInstanceRoleDefaultPolicy/),
        expect.stringMatching(/^ImageInstanceRole[0-9A-F]{8}$/),
      ]));
    });

    test('given a log retention, then the encrypted, TLS-only logs bucket expires logs after it', () => {
      const { template } = recipeStack({ buildLogRetention: Duration.days(7) });

      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        LifecycleConfiguration: { Rules: [{ ExpirationInDays: 7, Status: 'Enabled' }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });
  });

  describe('distribution and pipeline', () => {
    test('given AMI tags and a parameter name, then AMIs are named with the build date, tagged, and the parameter is pointed at each new AMI', () => {
      const { template } = recipeStack({ amiTags: { Team: 'platform' }, amiIdParameterName: '/web/latest-ami' });

      template.hasResourceProperties('AWS::ImageBuilder::DistributionConfiguration', {
        Distributions: [{
          Region: { Ref: 'AWS::Region' },
          AmiDistributionConfiguration: { Name: 'web-{{ imagebuilder:buildDate }}', AmiTags: { Application: 'web', Team: 'platform' } },
          SsmParameterConfigurations: [{ ParameterName: '/web/latest-ami', DataType: 'aws:ec2:image' }],
        }],
      });
    });

    test('given defaults, then the image pipeline builds the recipe with image tests enabled and no schedule', () => {
      const pipeline = onlyResource(recipeStack().template, 'AWS::ImageBuilder::ImagePipeline').Properties;

      expect(pipeline).toMatchObject({
        ImageRecipeArn: { 'Fn::GetAtt': [expect.stringMatching(/^ImageRecipe/), 'Arn'] },
        InfrastructureConfigurationArn: { 'Fn::GetAtt': [expect.stringMatching(/^ImageInfrastructure/), 'Arn'] },
        DistributionConfigurationArn: { 'Fn::GetAtt': [expect.stringMatching(/^ImageDistribution/), 'Arn'] },
        ImageTestsConfiguration: { ImageTestsEnabled: true, TimeoutMinutes: 60 },
        Status: 'ENABLED',
      });
      expect(pipeline.Schedule).toBeUndefined();
    });

    test('given grantStartBuild, then the grantee may start executions of this pipeline only', () => {
      const { stack, recipe } = recipeStack();
      const starter = new iam.Role(stack, 'Starter', { assumedBy: new iam.AccountRootPrincipal() });

      recipe.grantStartBuild(starter);

      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^Starter') }],
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'imagebuilder:StartImagePipelineExecution', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ImagePipeline'), 'Arn'] } }] },
      });
    });
  });

  test('given defaults, then the template matches the reviewed snapshot', () => {
    expect(recipeStack().template.toJSON()).toMatchSnapshot();
  });

  describe('bad input', () => {
    test.each<[string, Partial<ApplicationImageRecipeProps>, string]>([
      ['runtime packages on a Windows image', { baseImage: BaseImage.windowsServer2022(), startCommand: 'C:\\web\\web.exe', runtimePackages: ['nodejs20'] },
        "Runtime packages are not supported on Windows: Windows Server images have no package manager, so ship them inside the artifact; got 'nodejs20'"],
      ['a tag key Image Builder rejects', { amiTags: { 'aws:owner': 'me' } }, "AMI tag key 'aws:owner' is not one Image Builder accepts"],
      ['a tag value over 256 characters', { amiTags: { Owner: 'x'.repeat(257) } }, "AMI tag 'Owner' has a value of 257 characters; the limit is 256"],
      ['an AMI id parameter name SSM reserves', { amiIdParameterName: '/aws/web/ami' },
        "amiIdParameterName must be letters, digits and _ . - /, not starting with 'aws' or 'ssm', got '/aws/web/ami'"],
      ['no instance types', { instanceTypes: [] }, 'instanceTypes must name at least one instance type, got []'],
      ['an application name Image Builder and Linux would reject', { applicationName: 'Web App' }, "got 'Web App'"],
      ['a health check port out of range', { healthCheck: { port: 70000 } }, 'Health check port must be an integer from 1 to 65535, got 70000'],
      ['a health check path without a leading slash', { healthCheck: { port: 80, path: 'health' } }, "Health check path must start with '/', got 'health'"],
      ['a log retention under a day', { buildLogRetention: Duration.hours(12) }, 'buildLogRetention must be a whole number of days, at least 1, got 12 hours'],
      ['x86 instance types for an arm64 base image', { baseImage: BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64), instanceTypes: [new ec2.InstanceType('t3.medium')] },
        'instanceTypes must run arm64 images like the base image, got t3.medium (x86_64)'],
      ['a health check timeout beyond the test phase', { healthCheck: { port: 8080, timeout: Duration.hours(3) } },
        'healthCheck.timeout must be from 5 seconds to 30 minutes, got 3 hours'],
      ['a Windows AWS-managed component on a Linux image', { buildSteps: [ImageBuildStep.awsManagedComponent('powershell-windows')] },
        "AWS-managed component 'powershell-windows' is for windows images; this image runs Linux"],
    ])('given %s, then construction fails naming the value', (_case, props, message) => {
      expect(() => recipeStack(props)).toThrow(message);
    });

    test.each([
      ["it's.zip", "Application artifact key may only contain letters, digits and ! _ . * ( ) / = + , @ -, got 'it's.zip'"],
      ['app.jar', "Application artifact key must end in .zip, .tar, .tar.gz, .tgz, .tar.xz or .tar.bz2, or the artifact must name its format; got 'app.jar'"],
    ])('given the artifact key %p, then construction fails naming the key', (key, message) => {
      const otherArtifact = (stack: Stack) => ({ artifact: { bucket: s3.Bucket.fromBucketName(stack, 'Other', 'other-bucket'), key } });

      expect(() => recipeStack({}, otherArtifact)).toThrow(message);
    });

    test('given a base image from an AMI of another operating system family, then the family decides, not the id', () => {
      expect(() => recipeStack({ baseImage: BaseImage.fromAmiId('ami-0123456789abcdef0', ImageOperatingSystem.WINDOWS), runtimePackages: ['nodejs20'] }))
        .toThrow('Runtime packages are not supported on Windows');
    });

    test('given subnets that select nothing, then construction fails naming the VPC', () => {
      expect(() => recipeStack({ vpcSubnets: { subnetFilters: [ec2.SubnetFilter.byIds(['subnet-elsewhere'])] } }, (stack) => ({
        vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }),
      }))).toThrow('vpcSubnets selects no subnet in VPC Stack/Vpc');
    });
  });
});
