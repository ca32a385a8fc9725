import { DistributionTargets } from '../../../src/private/image/distribution-targets';

const output = { name: 'web-{{ imagebuilder:buildDate }}', tags: { Application: 'web' } };
const KEY_ARN = 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('DistributionTargets', () => {
  test('given an unknown build region, then a literal target region is refused, as it could be the build region', () => {
    expect(() => new DistributionTargets('${Token[AWS.Region.7]}').add({ region: 'eu-west-1' }))
      .toThrow("Distribution target eu-west-1 needs the stack's region to be known, so that the build region is not listed twice; set env.region on the stack");
  });

  test('given only the build region, then the build account keeps the AMI there, with the SSM parameter output', () => {
    const targets = new DistributionTargets('us-east-1');

    expect(targets.render(output, [{ parameterName: '/web/ami', dataType: 'aws:ec2:image' }])).toEqual([{
      region: 'us-east-1',
      amiDistributionConfiguration: { Name: output.name, AmiTags: output.tags },
      ssmParameterConfigurations: [{ parameterName: '/web/ami', dataType: 'aws:ec2:image' }],
    }]);
  });

  test('given targets for the same region, then their accounts are merged into one distribution', () => {
    const targets = new DistributionTargets('us-east-1');
    targets.add({ region: 'eu-west-1', copyToAccounts: ['111111111111'], kmsKeyArn: KEY_ARN });
    targets.add({ region: 'eu-west-1', copyToAccounts: ['222222222222', '111111111111'], launchPermissionAccounts: ['333333333333'] });

    expect(targets.regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(JSON.parse(JSON.stringify(targets.render(output)[1]))).toEqual({
      region: 'eu-west-1',
      amiDistributionConfiguration: {
        Name: output.name,
        AmiTags: output.tags,
        KmsKeyId: KEY_ARN,
        TargetAccountIds: ['111111111111', '222222222222'],
        LaunchPermissionConfiguration: { UserIds: ['333333333333'] },
      },
    });
  });

  describe('bad input', () => {
    test.each<[string, object, string]>([
      ['a key id instead of an ARN for a cross-account copy', { region: 'eu-west-1', copyToAccounts: ['111111111111'], kmsKeyArn: '1234abcd-12ab-34cd-56ef-1234567890ab' },
        "kmsKeyArn must be a full key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>), because copies in other accounts resolve a bare id in their own account; got '1234abcd-12ab-34cd-56ef-1234567890ab' (region eu-west-1)"],
      ['an alias name instead of an ARN', { region: 'eu-west-1', kmsKeyArn: 'alias/ami' }, "got 'alias/ami' (region eu-west-1)"],
      ['a key of another region', { region: 'eu-central-1', kmsKeyArn: KEY_ARN },
        `kmsKeyArn ${KEY_ARN} is a key in eu-west-1, but it must be in the region it encrypts copies for, eu-central-1`],
      ['an account id that is not 12 digits', { region: 'eu-west-1', copyToAccounts: ['12345'] }, "Distribution account ids must be 12 digits, got '12345' (region eu-west-1)"],
      ['a region name that is no region', { region: 'Ireland' }, "Distribution region must look like 'eu-west-1', got 'Ireland'"],
    ])('given %s, then adding it fails naming the value', (_case, target, message) => {
      expect(() => new DistributionTargets('us-east-1').add(target as any)).toThrow(message);
    });

    test('given two keys for one region, then the second fails naming both', () => {
      const targets = new DistributionTargets('us-east-1');
      targets.add({ region: 'eu-west-1', kmsKeyArn: KEY_ARN });
      const otherKey = KEY_ARN.replace('1234abcd', 'ffffffff');

      expect(() => targets.add({ region: 'eu-west-1', kmsKeyArn: otherKey }))
        .toThrow(`Region eu-west-1 already encrypts its AMI copies with ${KEY_ARN}; a second key ${otherKey} cannot apply to the same copies`);
    });
  });
});
