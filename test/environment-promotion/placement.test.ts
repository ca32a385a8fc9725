import { Template } from 'aws-cdk-lib/assertions';
import { onlyOfType, resourcesOfType } from '../helpers/deployment-stack';
import { PIPELINE_ENV, PROD_ENV, QA_ENV, templateOf, threeAccountPromotion, workflowsStack, workflowsTemplate } from '../helpers/promotion-app';

describe('EnvironmentPromotion across three accounts and two regions', () => {
  function promoted() {
    const setup = threeAccountPromotion();
    setup.promotion.addToPipeline(setup.pipeline, { releaseManifest: setup.releaseManifest });
    const assembly = setup.app.synth();
    return { ...setup, assembly };
  }

  test('given environments in the pipeline\'s and two other account-regions, then each other one gets a release stack in its account and region', () => {
    const { assembly } = promoted();
    const releaseStacks = assembly.stacks.filter((stack) => stack.stackName.startsWith('Pipeline-Release-'))
      .map((stack) => [stack.stackName, stack.environment.account, stack.environment.region]);

    expect(releaseStacks).toEqual(expect.arrayContaining([
      ['Pipeline-Release-222222222222-eu-west-1', QA_ENV.account, QA_ENV.region],
      ['Pipeline-Release-333333333333-us-east-1', PROD_ENV.account, PROD_ENV.region],
    ]));
    expect(releaseStacks).toHaveLength(2);
  });

  test('given an environment in the pipeline\'s account and region, then its workflows are in a nested stack of the pipeline\'s, which the pipeline waits for', () => {
    const { pipelineStack, promotion } = promoted();
    const machines = resourcesOfType(workflowsTemplate(promotion, 'dev'), 'AWS::StepFunctions::StateMachine');

    expect(machines).toHaveLength(1);
    expect(JSON.stringify(machines[0].Properties.DefinitionString)).toContain('Releases an AMI into dev');
    // Only the bake's would be left; a promotion has none.
    expect(resourcesOfType(Template.fromStack(pipelineStack), 'AWS::StepFunctions::StateMachine')).toEqual([]);
    const nested = resourcesOfType(Template.fromStack(pipelineStack), 'AWS::CloudFormation::Stack');
    expect(nested).toHaveLength(1);
    expect(onlyOfType(Template.fromStack(pipelineStack), 'AWS::CodePipeline::Pipeline').DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^Promotiondev/)]));
  });


  test('given an environment in another account, then the pipeline reaches its workflow through an action role in that account that trusts the pipeline account', () => {
    const { app, pipelineStack } = promoted();
    const qa = templateOf(app, 'Pipeline-Release-222222222222-eu-west-1');

    const actionRole = resourcesOfType(qa, 'AWS::IAM::Role').find((role) => role.Properties.RoleName !== undefined);
    expect(actionRole!.Properties.AssumeRolePolicyDocument.Statement[0].Principal.AWS['Fn::Join'][1]).toContain(`:iam::${PIPELINE_ENV.account}:root`);
    const release = onlyOfType(Template.fromStack(pipelineStack), 'AWS::CodePipeline::Pipeline').Properties.Stages
      .find((stage: any) => stage.Name === 'qa').Actions[0];
    expect(JSON.stringify(release.RoleArn)).toContain(`:iam::${QA_ENV.account}:role/`);
    expect(JSON.stringify(release.Configuration.StateMachineArn)).toContain(`:states:${QA_ENV.region}:${QA_ENV.account}:stateMachine:`);
  });

  test('given workflows in other stacks, then the pipeline names them by literal ARNs: no export, no import', () => {
    const { assembly } = promoted();

    for (const stack of assembly.stacks) {
      expect(JSON.stringify(stack.template)).not.toContain('Fn::ImportValue');
    }
  });

  test('given an environment in another region, then its workflow and the pipeline\'s artifact replication are in that region', () => {
    const { pipelineStack, promotion } = promoted();

    expect(workflowsStack(promotion, 'prod').nestedStackParent!.stackName).toBe('Pipeline-Release-333333333333-us-east-1');
    workflowsTemplate(promotion, 'prod').resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    const stores = onlyOfType(Template.fromStack(pipelineStack), 'AWS::CodePipeline::Pipeline').Properties.ArtifactStores;
    expect(stores.map((store: any) => store.Region).sort()).toEqual([PIPELINE_ENV.region, PROD_ENV.region].sort());
  });

  test('given the release stacks, then the pipeline\'s stack is deployed after them', () => {
    const { assembly } = promoted();
    const pipeline = assembly.getStackByName('Pipeline');

    expect(pipeline.dependencies.map((dependency) => dependency.id)).toEqual(expect.arrayContaining([
      'Pipeline-Release-222222222222-eu-west-1', 'Pipeline-Release-333333333333-us-east-1',
    ]));
  });

  test('given each environment, then its release workflow may update only its own stack and ledger', () => {
    const { promotion } = promoted();
    const policies = JSON.stringify(resourcesOfType(workflowsTemplate(promotion, 'qa'), 'AWS::IAM::Policy'));

    expect(policies).toContain(':cloudformation:eu-west-1:222222222222:stack/Web-qa/*');
    expect(policies).toContain('parameter/immutable-servers/web/qa/release/ami');
    expect(policies).not.toContain('Web-prod');
    expect(policies).not.toContain('/web/prod/');
  });
});
