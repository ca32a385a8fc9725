import { execFileSync } from 'child_process';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createWebServiceApp } from '../../examples/typescript/app';
import { WebPipelineStack } from '../../examples/typescript/web-pipeline-stack';
import { onlyOfType } from '../helpers/deployment-stack';

const SERVICE = path.join(__dirname, '..', '..', 'examples', 'typescript', 'service');
const stackOf = (app: App, id: string) => app.node.findChild(id) as Stack;

describe('TypeScript example', () => {
  const app = createWebServiceApp(new App());
  const pipeline = (stackOf(app, 'WebPipeline') as WebPipelineStack).pipeline;
  const stages = onlyOfType(Template.fromStack(stackOf(app, 'WebPipeline')), 'AWS::CodePipeline::Pipeline').Properties.Stages;

  test('given a push, then the pipeline builds with the service\'s buildspec, bakes, then promotes dev → qa → prod', () => {
    expect(stages.map((stage: any) => stage.Name)).toEqual(['Source', 'Build', 'Bake', 'dev', 'qa', 'prod']);
    expect(stages[0].Actions[0].Configuration).toMatchObject({ FullRepositoryId: 'my-org/web', BranchName: 'main' });
    expect(pipeline.patchRebuildStateMachine).toBeDefined();
  });

  test('given the environments, then dev soaks, qa and prod wait for approval, and prod only releases inside its window', () => {
    const actions = (name: string) => stages.find((stage: any) => stage.Name === name).Actions.map((action: any) => action.Name);

    expect(actions('dev')).toEqual(['Release', 'Soak']);
    expect(actions('qa')).toEqual(['Approve', 'Release', 'Soak']);
    expect(actions('prod')).toEqual(['Approve', 'Release', 'Soak']);
    expect(JSON.stringify(stages.find((stage: any) => stage.Name === 'prod').BeforeEntry)).toContain('Europe/Berlin');
  });

  test('given each environment, then it is load balanced, replaces instances anyone gets into, and only prod has break-glass access', () => {
    for (const name of ['dev', 'qa', 'prod']) {
      const template = Template.fromStack(stackOf(app, `Web-${name}`));
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
      template.resourceCountIs('AWS::Events::Rule', 1);
      const breakGlassRoles = Object.keys(template.findResources('AWS::IAM::Role')).filter((logicalId) => logicalId.includes('BreakGlassRole'));
      expect([name, breakGlassRoles.length]).toEqual([name, name === 'prod' ? 1 : 0]);
    }
  });

  test('given the service, then its own tests pass, as the buildspec runs them before anything is baked', () => {
    expect(() => execFileSync(process.execPath, ['--test'], { cwd: SERVICE, stdio: 'pipe' })).not.toThrow();
  });
});
