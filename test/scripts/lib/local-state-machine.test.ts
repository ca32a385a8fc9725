import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack, aws_stepfunctions as sfn, aws_stepfunctions_tasks as tasks } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TaskFailure, runLocally, stateMachineDefinition } from '../../../scripts/lib/local-state-machine';
import { AslDefinition } from '../../../scripts/lib/state-machines';

const danglingNext: AslDefinition = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'dangling-next.asl.json'), 'utf-8'));

/** A small poll-until-done workflow shaped like the ones the library builds. */
function pollingWorkflow(): AslDefinition {
  const stack = new Stack(new App(), 'Workflow');
  const describe = new tasks.CallAwsService(stack, 'DescribeImage', {
    service: 'imagebuilder',
    action: 'getImage',
    parameters: { ImageBuildVersionArn: sfn.JsonPath.stringAt('$.imageArn') },
    iamResources: ['*'],
    resultSelector: { 'state.$': '$.Image.State.Status' },
    resultPath: '$.build',
    taskTimeout: sfn.Timeout.duration(Duration.seconds(1)),
  });
  describe.addRetry({ errors: ['ImageBuilder.ThrottlingException'], maxAttempts: 2 });
  const wait = new sfn.Wait(stack, 'WaitForBuild', { time: sfn.WaitTime.duration(Duration.minutes(1)) });
  const definition = describe.next(new sfn.Choice(stack, 'BuildDone?')
    .when(sfn.Condition.stringEquals('$.build.state', 'AVAILABLE'), new sfn.Succeed(stack, 'Available'))
    .when(sfn.Condition.stringEquals('$.build.state', 'FAILED'), new sfn.Fail(stack, 'BuildFailed', { error: 'ImageBuildFailed', cause: 'The image build failed' }))
    .otherwise(wait.next(describe)));
  new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(definition) });
  return stateMachineDefinition(Template.fromStack(stack).toJSON());
}

/** A fake GetImage that answers with the given build states in order, shaped like the API response. */
function buildStates(...states: string[]) {
  return () => ({ Image: { State: { Status: states.shift() } } });
}

describe('runLocally', () => {
  test('given an invalid definition, then it refuses to run and lists the errors', async () => {
    await expect(runLocally(danglingNext, {}, { FindImage: () => ({}) })).rejects.toThrow(/Invalid state machine definition:[\s\S]*TagImage/);
  });

  test('given a Task without a fake, then it refuses to run rather than call AWS', async () => {
    await expect(runLocally(pollingWorkflow(), {}, {})).rejects.toThrow('No fake for Task states: DescribeImage');
  });

  test('given a build that finishes after two polls, then waits are skipped and every task input is recorded', async () => {
    const execution = await runLocally(pollingWorkflow(), { imageArn: 'arn:image/1' }, { DescribeImage: buildStates('BUILDING', 'TESTING', 'AVAILABLE') });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual({ imageArn: 'arn:image/1', build: { state: 'AVAILABLE' } });
    expect(execution.calls.DescribeImage).toHaveLength(3);
  });

  test('given a Fail state is reached, then the execution fails with its error and cause', async () => {
    const execution = await runLocally(pollingWorkflow(), { imageArn: 'arn:image/1' }, { DescribeImage: buildStates('FAILED') });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageBuildFailed', cause: 'The image build failed' });
  });

  test('given a throttled call, then the Retry policy retries it', async () => {
    let throttled = false;
    const execution = await runLocally(pollingWorkflow(), { imageArn: 'arn:image/1' }, {
      DescribeImage: () => {
        if (!throttled) {
          throttled = true;
          throw new TaskFailure('ImageBuilder.ThrottlingException', 'Rate exceeded');
        }
        return { Image: { State: { Status: 'AVAILABLE' } } };
      },
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.DescribeImage).toHaveLength(2);
  });

  test('given a task error without a Retry or Catch, then the execution fails with that error', async () => {
    const execution = await runLocally(pollingWorkflow(), { imageArn: 'arn:image/1' }, {
      DescribeImage: () => {
        throw new TaskFailure('ImageBuilder.ResourceNotFoundException', 'No such image');
      },
    });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageBuilder.ResourceNotFoundException', cause: 'No such image' });
  });

  test('given a task that outlives its TimeoutSeconds, then the execution fails with States.Timeout', async () => {
    const execution = await runLocally(pollingWorkflow(), { imageArn: 'arn:image/1' }, { DescribeImage: () => new Promise(() => undefined) });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });
});
