import { flattenIntrinsics } from '../../../scripts/lib/intrinsics';

describe('flattenIntrinsics', () => {
  test('given Fn::Join over references, then it joins placeholders made of shell- and JSON-safe characters', () => {
    expect(flattenIntrinsics({ 'Fn::Join': ['', ['s3://', { Ref: 'ArtifactBucket' }, '/', { 'Fn::GetAtt': ['Role', 'Arn'] }]] }))
      .toBe('s3://CFN_REF_ArtifactBucket/CFN_ATT_Role_Arn');
  });

  test('given pseudo parameters, then they become realistic values so ARNs keep their shape', () => {
    expect(flattenIntrinsics({ 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 'states', { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }]] }))
      .toBe('arn:aws:states:us-east-1:123456789012');
  });

  test('given Fn::Sub with variables, literals and attributes, then each is substituted', () => {
    expect(flattenIntrinsics({ 'Fn::Sub': ['${Name} ${!Literal} ${Role.Arn} ${AWS::Region}', { Name: { Ref: 'Topic' } }] }))
      .toBe('CFN_REF_Topic ${Literal} CFN_ATT_Role_Arn us-east-1');
  });

  test('given an intrinsic it cannot evaluate, then it fails naming the function rather than guess', () => {
    expect(() => flattenIntrinsics({ 'Fn::Join': ['', ['a', { 'Fn::If': ['Cond', 'x', 'y'] }]] })).toThrow('Cannot flatten Fn::If');
  });

  test('given the zones of an environment-agnostic stack, then those of the pseudo parameters\' region', () => {
    expect(flattenIntrinsics({ 'Fn::Join': ['/', [{ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }, 'aws/ebs']] })).toBe('us-east-1a/aws/ebs');
  });

  test('given nested objects and arrays, then intrinsics are flattened wherever they are', () => {
    expect(flattenIntrinsics({ a: [{ Ref: 'X' }, 1], b: { 'Fn::Select': [1, { 'Fn::Split': [',', 'p,q'] }] } }))
      .toEqual({ a: ['CFN_REF_X', 1], b: 'q' });
  });
});
