import { Duration, Stack, aws_sns as sns } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DeploymentWindow, PromotionApproval } from '../../src';
import { onlyOfType } from '../helpers/deployment-stack';
import { threeAccountPromotion } from '../helpers/promotion-app';

function pipelineStages(stack: Stack): any[] {
  return onlyOfType(Template.fromStack(stack), 'AWS::CodePipeline::Pipeline').Properties.Stages;
}

function stageNamed(stack: Stack, name: string): any {
  return pipelineStages(stack).find((stage) => stage.Name === name);
}

describe('EnvironmentPromotion.addToPipeline', () => {
  test('given three environments, then the pipeline gets one stage each, in order, after its own stages', () => {
    const { pipelineStack, promotion, pipeline, releaseManifest } = threeAccountPromotion();
    const stages = promotion.addToPipeline(pipeline, { releaseManifest });

    expect(stages.map((stage) => stage.stageName)).toEqual(['dev', 'qa', 'prod']);
    expect(pipelineStages(pipelineStack).map((stage) => stage.Name)).toEqual(['Source', 'dev', 'qa', 'prod']);
  });

  test('given the release manifest, then each release action starts its environment\'s release workflow with the manifest file as input', () => {
    const { pipelineStack, promotion, pipeline, releaseManifest } = threeAccountPromotion();
    promotion.addToPipeline(pipeline, { releaseManifest });

    const release = stageNamed(pipelineStack, 'dev').Actions.find((action: any) => action.Name === 'Release');
    expect(release).toMatchObject({
      ActionTypeId: { Category: 'Invoke', Owner: 'AWS', Provider: 'StepFunctions' },
      // The path in the input artifact, as the action reads it; not aws-cdk-lib's `Baked::release.json`.
      Configuration: { InputType: 'FilePath', Input: 'release.json' },
      InputArtifacts: [{ Name: 'Baked' }],
    });
    const devRelease = promotion.environments[0].releaseStateMachine;
    expect(pipelineStack.resolve(release.Configuration.StateMachineArn)).toEqual(pipelineStack.resolve(devRelease.stateMachineArn));
  });

  test('given a soak period, then the stage soaks after the release; without one, the stage only releases', () => {
    const { pipelineStack, promotion, pipeline, releaseManifest } = threeAccountPromotion(() => ({
      environments: { dev: { soakPeriod: Duration.minutes(30) } },
    }));
    promotion.addToPipeline(pipeline, { releaseManifest });

    expect(stageNamed(pipelineStack, 'dev').Actions.map((action: any) => [action.Name, action.RunOrder])).toEqual([['Release', 2], ['Soak', 3]]);
    expect(stageNamed(pipelineStack, 'qa').Actions.map((action: any) => action.Name)).toEqual(['Release']);
    expect(promotion.environments[0].soakStateMachine).toBeDefined();
    expect(promotion.environments[1].soakStateMachine).toBeUndefined();
  });

  test('given a manual approval, then it comes first, notifies the topic and names the release, the environment and where the previous one runs it', () => {
    let approvers!: sns.Topic;
    const { pipelineStack, promotion, pipeline, releaseManifest } = threeAccountPromotion((stack) => {
      approvers = new sns.Topic(stack, 'Approvers');
      return {
        environments: {
          qa: { url: 'https://qa.example.com', approval: PromotionApproval.manual({ notificationTopic: approvers }) },
          prod: { approval: PromotionApproval.manual({ timeout: Duration.days(2) }) },
        },
      };
    });
    promotion.addToPipeline(pipeline, { releaseManifest, releaseSummary: 'Version #{Build.VERSION} of commit #{Source.CommitId}' });

    const qaApproval = stageNamed(pipelineStack, 'qa').Actions[0];
    expect(qaApproval).toMatchObject({
      Name: 'Approve',
      RunOrder: 1,
      ActionTypeId: { Category: 'Approval', Provider: 'Manual' },
      Configuration: {
        CustomData: 'Version #{Build.VERSION} of commit #{Source.CommitId}, into qa. dev runs it. '
          + 'The AMI it runs is in the output of its release, #{dev-Release.ExecutionArn}.',
      },
    });
    expect(pipelineStack.resolve(qaApproval.Configuration.NotificationArn)).toEqual(pipelineStack.resolve(approvers.topicArn));
    // The variable the approval names exists: dev's release action exports it.
    expect(stageNamed(pipelineStack, 'dev').Actions[0]).toMatchObject({ Name: 'Release', Namespace: 'dev-Release' });
    const prodApproval = stageNamed(pipelineStack, 'prod').Actions[0];
    expect(prodApproval).toMatchObject({
      Name: 'Approve',
      TimeoutInMinutes: 2 * 24 * 60,
      Configuration: {
        CustomData: 'Version #{Build.VERSION} of commit #{Source.CommitId}, into prod. qa runs it: https://qa.example.com. '
          + 'The AMI it runs is in the output of its release, #{qa-Release.ExecutionArn}.',
        ExternalEntityLink: 'https://qa.example.com',
      },
    });
  });
});

describe('EnvironmentPromotion.addToPipeline stage conditions', () => {
  test('given a deployment window, then the stage\'s entry condition is a DeploymentWindow rule with its cron and time zone', () => {
    const { pipelineStack, promotion, pipeline, releaseManifest } = threeAccountPromotion(() => ({
      environments: { prod: { deploymentWindow: DeploymentWindow.cron('* * 9-15 ? * MON-THU', 'Europe/Berlin') } },
    }));
    promotion.addToPipeline(pipeline, { releaseManifest });

    expect(stageNamed(pipelineStack, 'prod').BeforeEntry).toEqual({
      Conditions: [{
        Result: 'FAIL',
        Rules: [{
          Name: 'prod-DeploymentWindow',
          RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'DeploymentWindow', Version: '1' },
          Configuration: { Cron: '* * 9-15 ? * MON-THU', TimeZone: 'Europe/Berlin' },
        }],
      }],
    });
    expect(stageNamed(pipelineStack, 'qa').BeforeEntry).toBeUndefined();
  });

  test('given any environment, then its stage rolls back on failure, re-releasing the last execution that succeeded in it', () => {
    const { pipelineStack, promotion, pipeline, releaseManifest } = threeAccountPromotion();
    promotion.addToPipeline(pipeline, { releaseManifest });

    for (const name of ['dev', 'qa', 'prod']) {
      expect(stageNamed(pipelineStack, name).OnFailure).toEqual({ Result: 'ROLLBACK' });
    }
  });
});
