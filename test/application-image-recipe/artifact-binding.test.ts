import { Stack, aws_iam as iam, aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { applicationDocument, onlyResource, recipeStack } from '../helpers/recipe-stack';

describe('ApplicationImageRecipe artifact binding', () => {
  test('given an artifact URI, then the recipe components are the same, in the same order, with only the application component bound to it', () => {
    const { recipe, stack } = recipeStack();
    const resolve = (value: unknown) => Stack.of(stack).resolve(value);

    const bound = resolve(recipe.componentsForArtifact('s3://pipeline-artifacts/web/BuildOutput/a1b2c3'));
    const ownComponents = onlyResource(Template.fromStack(stack), 'AWS::ImageBuilder::ImageRecipe').Properties.Components;

    expect(bound.map((component: any) => component.componentArn)).toEqual(ownComponents.map((component: any) => component.ComponentArn));
    expect(bound.slice(0, -1).every((component: any) => component.parameters === undefined)).toBe(true);
    expect(bound[bound.length - 1].parameters).toEqual([{ name: 'ArtifactS3Uri', value: ['s3://pipeline-artifacts/web/BuildOutput/a1b2c3'] }]);
  });

  test('given two artifacts bound one after the other, then each binding keeps its own artifact and the recipe itself is unchanged: there is no shared pointer to overwrite', () => {
    const { recipe, stack } = recipeStack();

    const first = recipe.componentsForArtifact('s3://pipeline-artifacts/build-1.zip');
    const second = recipe.componentsForArtifact('s3://pipeline-artifacts/build-2.zip');

    expect(first[first.length - 1].parameters).toEqual([{ name: 'ArtifactS3Uri', value: ['s3://pipeline-artifacts/build-1.zip'] }]);
    expect(second[second.length - 1].parameters).toEqual([{ name: 'ArtifactS3Uri', value: ['s3://pipeline-artifacts/build-2.zip'] }]);
    expect(onlyResource(Template.fromStack(stack), 'AWS::ImageBuilder::ImageRecipe').Properties.Components.at(-1).Parameters).toBeUndefined();
    expect(applicationDocument(Template.fromStack(stack)).parameters[0].ArtifactS3Uri.default).toBe('s3://artifacts/web/web-1.0.0.tar.gz');
  });

  test('given a Step Functions JSONata expression, then it is passed through for the workflow to evaluate', () => {
    const { recipe } = recipeStack();
    const expression = "{% 's3://' & $states.input.bucket & '/' & $states.input.key %}";

    expect(recipe.componentsForArtifact(expression).at(-1)?.parameters).toEqual([{ name: 'ArtifactS3Uri', value: [expression] }]);
  });

  test.each(["s3://bucket/it's.zip", 'https://bucket.s3.amazonaws.com/app.zip'])('given the URI %p, then binding fails naming it', (uri) => {
    const { recipe } = recipeStack();

    expect(() => recipe.componentsForArtifact(uri)).toThrow(`artifactS3Uri must be an s3://bucket/key URI without quotes or spaces, got '${uri}'`);
  });

  test('given another artifact source, then the build role may read those keys, and decrypt them when the bucket has a key', () => {
    const { recipe, stack } = recipeStack();
    const key = new kms.Key(stack, 'PipelineKey');
    const bucket = new s3.Bucket(stack, 'PipelineArtifacts', { encryptionKey: key });

    recipe.addArtifactSource(bucket, 'web-pipeline/BuildOutput/*');

    const statements = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const actions = Object.values(statements).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(actions).toContainEqual({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^PipelineArtifacts/), 'Arn'] }, '/web-pipeline/BuildOutput/*']] },
    });
    expect(actions).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineKey/), 'Arn'] } }));
    expect(recipe.instanceRole).toBeInstanceOf(iam.Role);
  });
});

describe('ApplicationImageRecipe.grantBuildForArtifact', () => {
  function grantedStatements(props = {}) {
    const { recipe, stack } = recipeStack(props);
    const workflow = new iam.Role(stack, 'Workflow', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    recipe.grantBuildForArtifact(workflow);
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: stack.getLogicalId(workflow.node.defaultChild as iam.CfnRole) }] } }));
    return { recipe, stack, statements: policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement) };
  }

  test('given a workflow, then it may create recipe versions and images named after this recipe only, and read what they use', () => {
    const { recipe, stack, statements } = grantedStatements();
    const create = statements.find((statement) => JSON.stringify(statement.Action).includes('imagebuilder:CreateImageRecipe'));

    expect(create.Action).toEqual(['imagebuilder:CreateImageRecipe', 'imagebuilder:GetImageRecipe', 'imagebuilder:CreateImage', 'imagebuilder:GetImage', 'imagebuilder:TagResource']);
    expect(JSON.stringify(create.Resource)).toContain(`:image-recipe/${recipe.imageRecipeName}-*`);
    expect(JSON.stringify(create.Resource)).toContain(`:image/${recipe.imageRecipeName}-*`);
    const reads = statements.find((statement) => statement.Action === 'imagebuilder:GetComponent');
    expect(stack.resolve(reads.Resource)).toHaveLength(3);
    const passRole = statements.find((statement) => statement.Action === 'iam:PassRole');
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
    expect(passRole.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ImageInstanceRole/), 'Arn'] });
  });

  test('given vulnerability scanning, then the workflow may also read the Inspector account status', () => {
    const actions = (props: object) => grantedStatements(props).statements.map((statement) => statement.Action);

    expect(actions({ vulnerabilityScanning: true })).toContainEqual('inspector2:BatchGetAccountStatus');
    expect(actions({})).not.toContainEqual('inspector2:BatchGetAccountStatus');
  });
});
