import { checkRequest, checkResponse, hasOperation } from '../../../../scripts/lib/journey/service-models';

describe('requests checked against AWS service models', () => {
  test('a request that matches the model passes, with members named as Step Functions names them', () => {
    expect(checkRequest('ssm', 'getParameters', { Names: ['/web/prod/ami'] })).toEqual([]);
    expect(checkRequest('imagebuilder', 'getImage', { ImageBuildVersionArn: 'arn:aws:imagebuilder:eu-west-1:111111111111:image/web/1.0.0/1' })).toEqual([]);
  });

  test('an unknown member is refused, naming it and the members there are', () => {
    expect(checkRequest('ssm', 'getParameters', { Names: ['/a'], WithDecrypton: true })).toEqual([
      expect.stringMatching(/^GetParameters\.WithDecrypton: no such member \(members: Names, WithDecryption\)$/),
    ]);
  });

  test('a missing required member is refused', () => {
    expect(checkRequest('cloudformation', 'updateStack', { UsePreviousTemplate: true })).toEqual(['UpdateStack.StackName: required, missing']);
  });

  test('a value outside an enum is refused', () => {
    expect(checkRequest('ssm', 'putParameter', { Name: '/a', Value: 'b', Type: 'Text' })).toEqual([
      "PutParameter.Type: 'Text' is not one of String, StringList, SecureString",
    ]);
  });

  test('a member given in the model\'s own camelCase, not as Step Functions takes it, is refused', () => {
    expect(checkRequest('imagebuilder', 'getImage', { imageBuildVersionArn: 'arn:aws:imagebuilder:eu-west-1:111111111111:image/web/1.0.0/1' }))
      .toEqual(expect.arrayContaining([expect.stringContaining('GetImage.imageBuildVersionArn: no such member')]));
  });

  test('nested lists of structures are checked member by member', () => {
    expect(checkRequest('ec2', 'createTags', { Resources: ['ami-1'], Tags: [{ Key: 'a', Valeu: 'b' }] })).toEqual([
      expect.stringMatching(/^CreateTags\.Tags\[0\]\.Valeu: no such member/),
    ]);
  });

  test('an operation the service does not have is refused', () => {
    expect(hasOperation('ssm', 'getParameterz')).toBe(false);
    expect(checkRequest('ssm', 'getParameterz', {})).toEqual(['ssm has no operation GetParameterz']);
  });

  test('a response is checked against the output shape', () => {
    expect(checkResponse('ssm', 'getParameter', { Parameter: { Name: '/a', Value: 'b', Version: 1 } })).toEqual([]);
    expect(checkResponse('ssm', 'getParameter', { Parameter: { Name: '/a', Value: 'b', Version: '1' } })).toEqual([
      'GetParameter output.Parameter.Version: expected an integer, got "1"',
    ]);
  });
});
