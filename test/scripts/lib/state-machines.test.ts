import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_s3 as s3, aws_stepfunctions as sfn, aws_stepfunctions_tasks as tasks } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stateMachinesInTemplate, validateDefinition } from '../../../scripts/lib/state-machines';

const danglingNext = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'dangling-next.asl.json'), 'utf-8'));

/** A template with one CDK state machine whose definition references a bucket and the partition. */
function templateWithStateMachine(): Record<string, any> {
  const stack = new Stack(new App(), 'Workflow');
  const bucket = new s3.Bucket(stack, 'Artifacts');
  const readArtifact = new tasks.CallAwsService(stack, 'ReadArtifact', {
    service: 's3',
    action: 'headObject',
    parameters: { Bucket: bucket.bucketName, Key: sfn.JsonPath.stringAt('$.key') },
    iamResources: [bucket.arnForObjects('*')],
  });
  new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(readArtifact) });
  return Template.fromStack(stack).toJSON();
}

describe('stateMachinesInTemplate', () => {
  test('given a CDK state machine, then its definition is parsed with references flattened to placeholders', () => {
    const [machine] = stateMachinesInTemplate(templateWithStateMachine());

    expect(machine.logicalId).toMatch(/^Machine/);
    expect(machine.definition.States.ReadArtifact).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:s3:headObject',
      Parameters: { Bucket: expect.stringMatching(/^CFN_REF_Artifacts/) },
    });
  });
});

describe('stateMachinesInTemplate with other definition forms', () => {
  test('given an object Definition with intrinsics and DefinitionSubstitutions, then both are resolved', () => {
    const [machine] = stateMachinesInTemplate({
      Resources: {
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            Definition: { StartAt: 'Done', States: { Done: { Type: 'Pass', Result: { topic: { Ref: 'Topic' }, table: '${TableName}' }, End: true } } },
            DefinitionSubstitutions: { TableName: { Ref: 'Table' } },
          },
        },
      },
    });

    expect(machine.definition.States.Done.Result).toEqual({ topic: 'CFN_REF_Topic', table: 'CFN_REF_Table' });
  });

  test('given a Task whose Resource is a function reference, then it becomes an ARN of that shape and the definition validates', () => {
    const template = {
      Resources: {
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            DefinitionString: { 'Fn::Join': ['', ['{"StartAt":"Call","States":{"Call":{"Type":"Task","End":true,"Resource":"', { 'Fn::GetAtt': ['Handler', 'Arn'] }, '"}}}']] },
          },
        },
      },
    };

    const [machine] = stateMachinesInTemplate(template);

    expect(machine.definition.States.Call.Resource).toBe('arn:aws:lambda:us-east-1:123456789012:function:CFN_ATT_Handler_Arn');
    expect(validateDefinition(machine.definition)).toEqual([]);
  });

  test('given a definition kept in S3, then it fails naming the state machine', () => {
    const template = { Resources: { Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionS3Location: { Bucket: 'b', Key: 'k' } } } } };

    expect(() => stateMachinesInTemplate(template)).toThrow('State machine Machine keeps its definition in S3');
  });
});

describe('validateDefinition', () => {
  test('given a Next that names no state, then the validator reports the missing target', () => {
    expect(validateDefinition(danglingNext)).toEqual(expect.arrayContaining([expect.stringContaining('TagImage')]));
  });

  test('given a definition synthesized by the CDK, then it is valid', () => {
    expect(validateDefinition(stateMachinesInTemplate(templateWithStateMachine())[0].definition)).toEqual([]);
  });

  test('given a definition, then validating it leaves it unchanged', () => {
    const copy = structuredClone(danglingNext);

    validateDefinition(danglingNext);

    expect(danglingNext).toEqual(copy);
  });
});
