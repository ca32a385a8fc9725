import { App, CfnParameter, Duration, Stack, aws_autoscaling as autoscaling } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  openTunnelEvent, sendCommandEvent, sendSerialConsoleSshPublicKeyEvent, sendSshPublicKeyEvent, startSessionEvent,
} from '../../../scripts/lib/cloudtrail-events';
import { stateMachineDefinition } from '../../../scripts/lib/local-state-machine';
import { ACCESS_EVENTS } from '../../../src/private/access/access-events';
import { TAINTED_TAG_KEY } from '../../../src/private/access/taint-definition';
import { TAINT_ON_ACCESS_TAG_KEY, TaintOnAccess, TaintOnAccessProps } from '../../../src/private/access/taint-on-access';
import { matchesEventPattern } from '../../helpers/event-pattern';
import { awsSolutionsFindings, expectAcknowledgedOneForOne, isSpecificReason, nagAcknowledgements, unacknowledgedFindings } from '../../helpers/nag';
import { ACCOUNT_ARN, onlyResource, render, roleStatements, statementFor } from '../../helpers/template-statements';

const GROUP = 'web-prod';
const INSTANCE = 'i-0123456789abcdef0';

function taintStack(props: Partial<TaintOnAccessProps> = {}, configure: (stack: Stack) => Partial<TaintOnAccessProps> = () => ({})) {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  new TaintOnAccess(stack, 'Taint', {
    autoScalingGroup: autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Group', GROUP),
    environmentName: 'prod',
    ...props,
    ...configure(stack),
  });
  return { app, template: Template.fromStack(stack) };
}

/** Statements of the policies attached to the workflow's role. */
const workflowStatements = (template: Template) => roleStatements(template, 'TaintRole');

describe('TaintOnAccess', () => {
  describe('rule', () => {
    const pattern = () => onlyResource(taintStack().template, 'AWS::Events::Rule')[1].Properties.EventPattern;

    /** Every way in, as CloudTrail records it. */
    const accessCalls: Array<[string, (options?: { errorCode?: string }) => unknown]> = [
      ['a Session Manager shell', (options) => startSessionEvent(INSTANCE, options)],
      ['a Run Command to named instances', (options) => sendCommandEvent({ instanceIds: [INSTANCE] }, options)],
      ['a Run Command to tag targets', (options) => sendCommandEvent({ targets: [{ key: 'tag:aws:autoscaling:groupName', values: [GROUP] }] }, options)],
      ['an EC2 Instance Connect key', (options) => sendSshPublicKeyEvent(INSTANCE, options)],
      ['a serial console key', (options) => sendSerialConsoleSshPublicKeyEvent(INSTANCE, options)],
      ['an EC2 Instance Connect Endpoint tunnel', (options) => openTunnelEvent('eice-0123456789abcdef0', '10.0.1.17', options)],
    ];

    test.each(accessCalls)('given %s that succeeded, then the rule matches it', (_way, event) => {
      expect(matchesEventPattern(pattern(), [event()])).toEqual([true]);
    });

    test.each(accessCalls)('given %s that was refused, then the rule does not match it, so that no one can have instances replaced without access', (_way, event) => {
      expect(matchesEventPattern(pattern(), [event({ errorCode: 'AccessDenied' })])).toEqual([false]);
    });

    test.each([
      'AWS-StartPortForwardingSession',
      'AWS-StartPortForwardingSessionToRemoteHost',
      'AWS-StartSSHSession',
      'AWS-StartInteractiveCommand',
      'AWS-StartNonInteractiveCommand',
      'Web-prod-WebBreakGlassSessionDocumentA1B2C3D4-0A1B2C3D4E5F',
    ])('given a session with document %s, then the rule matches it', (documentName) => {
      expect(matchesEventPattern(pattern(), [startSessionEvent(INSTANCE, { documentName })])).toEqual([true]);
    });

    test('given other calls of the same services, a call by another service of the same name, or a forged event, then the rule matches none', () => {
      const command = sendCommandEvent({ instanceIds: [INSTANCE] });
      const others = [
        { ...command, detail: { ...command.detail, eventName: 'GetCommandInvocation' } },
        { ...command, detail: { ...command.detail, eventName: 'ResumeSession' } },
        { ...command, detail: { ...command.detail, eventSource: 'ec2.amazonaws.com', eventName: 'StartSession' } },
        { ...command, detail: { ...command.detail, eventSource: 'ssm.amazonaws.com', eventName: 'SendSSHPublicKey' } },
        // PutEvents refuses sources that start with `aws.`: a forged event has another.
        { ...command, source: 'attacker.forged' },
      ];

      expect(matchesEventPattern(pattern(), others)).toEqual(others.map(() => false));
    });

    test('given the rule, then it matches exactly the access events the workflow has a branch for', () => {
      const definition = stateMachineDefinition(taintStack().template.toJSON());
      const branches = JSON.stringify(definition.States['WhichAccess?'].Choices);

      for (const event of ACCESS_EVENTS) {
        expect(branches).toContain(`"StringEquals":"${event.eventName}"`);
      }
      expect(pattern().detail.$or.flatMap((sources: any) => sources.eventName).sort()).toEqual(ACCESS_EVENTS.map((event) => event.eventName).sort());
    });

    test('given the rule, then it starts the workflow', () => {
      const template = taintStack().template;
      const [machineId] = onlyResource(template, 'AWS::StepFunctions::StateMachine');

      expect(onlyResource(template, 'AWS::Events::Rule')[1].Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: machineId } })]);
    });
  });

  describe('workflow', () => {
    test('given the default grace period, then it waits 30 minutes between tagging and terminating', () => {
      const states = stateMachineDefinition(taintStack().template.toJSON()).States;

      expect(states.TagEach.Next).toBe('WaitGracePeriod');
      expect(states.WaitGracePeriod).toEqual({ Type: 'Wait', Seconds: 1800, Next: 'ReplaceEach' });
    });

    test('given a grace period of zero, then the tagged instances are terminated without a Wait state', () => {
      const states = stateMachineDefinition(taintStack({ gracePeriod: Duration.seconds(0) }).template.toJSON()).States;

      expect(states.TagEach.Next).toBe('ReplaceEach');
      expect(JSON.stringify(states)).not.toContain('WaitGracePeriod');
    });

    test('given a grace period, then the execution times out 30 minutes after it', () => {
      expect(stateMachineDefinition(taintStack({ gracePeriod: Duration.hours(2) }).template.toJSON()).TimeoutSeconds).toBe(2.5 * 3600);
    });

    test('given the workflow, then it is a standard state machine with every event logged and traced', () => {
      const [, machine] = onlyResource(taintStack().template, 'AWS::StepFunctions::StateMachine');

      expect(machine.Properties.StateMachineType).toBe('STANDARD');
      expect(machine.Properties.LoggingConfiguration.Level).toBe('ALL');
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    });

    test('given its execution logs, then they are kept a year, as the record of each access', () => {
      const [, logGroup] = onlyResource(taintStack().template, 'AWS::Logs::LogGroup');

      expect(logGroup.Properties.RetentionInDays).toBe(365);
    });

    test('given any task, then it is an SDK integration with a timeout, never a Lambda function', () => {
      const definition = stateMachineDefinition(taintStack().template.toJSON());
      const tasks = allTasks(definition);

      expect(tasks.map((task) => task.Resource)).toEqual(tasks.map(() => expect.stringMatching(/:states:::aws-sdk:(autoscaling|ec2|ssm):[a-zA-Z]+$/)));
      expect(tasks.map((task) => task.TimeoutSeconds)).toEqual(tasks.map(() => 60));
    });

    test('given a group whose name is a token, then the workflow keeps the instances of the group it names', () => {
      const template = taintStack({}, (stack) => ({
        autoScalingGroup: autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Named', new CfnParameter(stack, 'GroupName').valueAsString),
      })).template;
      const [, machine] = onlyResource(template, 'AWS::StepFunctions::StateMachine');

      expect(JSON.stringify(machine.Properties.DefinitionString)).toContain('{"Ref":"GroupName"}');
    });
  });

  describe('workflow role', () => {
    test('given the role, then it may tag only this group\'s instances, only with the tainted tag', () => {
      const statement = statementFor(workflowStatements(taintStack().template), 'ec2:CreateTags');

      expect(render(statement.Resource)).toBe(ACCOUNT_ARN('ec2', 'instance/*'));
      expect(statement.Condition).toEqual({
        'StringEquals': { 'aws:ResourceTag/aws:autoscaling:groupName': GROUP },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TAINTED_TAG_KEY] },
      });
    });

    test('given the role, then it may terminate instances in this group only', () => {
      const statement = statementFor(workflowStatements(taintStack().template), 'autoscaling:TerminateInstanceInAutoScalingGroup');

      expect(render(statement.Resource)).toBe(ACCOUNT_ARN('autoscaling', `autoScalingGroup:*:autoScalingGroupName/${GROUP}`));
    });

    test('given the role, then everything else it may do is reading, logging and tracing, with no wildcard action', () => {
      const statements = workflowStatements(taintStack().template);
      const unscoped = statements.filter((statement) => statement.Resource === '*');

      expect(unscoped.flatMap((statement) => statement.Action).sort()).toEqual([
        'autoscaling:DescribeAutoScalingInstances', 'ec2:DescribeInstanceConnectEndpoints', 'ec2:DescribeInstances',
        'logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies',
        'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery',
        'ssm:ListCommandInvocations',
        'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
      ]);
      expect(statements.flatMap((statement) => statement.Action)).toEqual(statements.flatMap((statement) => statement.Action).map(() => expect.not.stringContaining('*')));
    });

    test('given the workflow, then it starts only once its role\'s policy exists', () => {
      const template = taintStack().template;
      const [policyId] = onlyResource(template, 'AWS::IAM::Policy', 'TaintRoleDefaultPolicy');

      expect(onlyResource(template, 'AWS::StepFunctions::StateMachine')[1].DependsOn).toContain(policyId);
    });
  });

  test('given the construct, then its rule, workflow and roles carry the tag a service control policy protects them by', () => {
    const template = taintStack().template;
    const tagged = (type: string) => Object.values(template.findResources(type)).map((resource) => {
      const tags = resource.Properties.Tags ?? resource.Properties.TagsEntries ?? [];
      return tags.some((tag: any) => tag.Key === TAINT_ON_ACCESS_TAG_KEY && tag.Value === 'true');
    });

    for (const type of ['AWS::Events::Rule', 'AWS::StepFunctions::StateMachine', 'AWS::IAM::Role']) {
      expect([type, tagged(type)]).toEqual([type, tagged(type).map(() => true)]);
    }
  });

  describe('validation', () => {
    test.each([
      [Duration.hours(25), '1 day 1 hour'],
      [Duration.millis(1500), '1 second 500 millis'],
    ])('given a taintGracePeriod of %s, then it fails naming the value', (gracePeriod, shown) => {
      expect(() => taintStack({ gracePeriod })).toThrow(`taintGracePeriod must be a whole number of seconds from 0 to 24 hours, got ${shown}`);
    });

    test('given a taintGracePeriod that is a token, then it fails, as the workflow\'s states and timeout depend on it', () => {
      expect(() => taintStack({}, (stack) => ({ gracePeriod: Duration.seconds(new CfnParameter(stack, 'Grace', { type: 'Number' }).valueAsNumber) })))
        .toThrow(/^taintGracePeriod must be known at synth time, got a token/);
    });

    test.each([Duration.seconds(0), Duration.hours(24)])('given a taintGracePeriod of %s, then it is accepted', (gracePeriod) => {
      expect(() => taintStack({ gracePeriod })).not.toThrow();
    });
  });

  describe('cdk-nag', () => {
    test('given the construct, then AwsSolutions reports nothing unacknowledged, and each acknowledgement says why', () => {
      const app = taintStack().app;
      const acknowledgements = nagAcknowledgements(app);

      expect(awsSolutionsFindings(app)).toEqual([]);
      expect(acknowledgements.filter((acknowledgement) => !isSpecificReason(acknowledgement.reason))).toEqual([]);
    });

    test('given no acknowledgements, then exactly the acknowledged findings are reported: none is stale or broader than its finding', () => {
      const acknowledgements = nagAcknowledgements(taintStack().app);
      const findings = unacknowledgedFindings((cdk, app) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { TaintOnAccess: Unacknowledged } = require('../../../src/private/access/taint-on-access') as typeof import('../../../src/private/access/taint-on-access');
        const stack = new cdk.Stack(app, 'Stack');
        new Unacknowledged(stack, 'Taint', {
          autoScalingGroup: cdk.aws_autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Group', GROUP),
          environmentName: 'prod',
        });
      });

      expectAcknowledgedOneForOne(findings, acknowledgements);
    });
  });
});

/** Every Task state, also those of Map iterations. */
function allTasks(definition: any): any[] {
  return Object.values<any>(definition.States).flatMap((state) => [
    ...state.Type === 'Task' ? [state] : [],
    ...state.ItemProcessor ? allTasks(state.ItemProcessor) : [],
  ]);
}
