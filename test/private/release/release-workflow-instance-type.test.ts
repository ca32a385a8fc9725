import { aws_ec2 as ec2 } from 'aws-cdk-lib';
import { LocalExecution, TaskFake } from '../../../scripts/lib/local-state-machine';
import {
  ACCOUNT, FIELDS, NAMES, PREFIX, PREVIOUS, REGION, RELEASE, ledgerOf, runRelease, target, targetFakes, workflowDefinition,
} from '../../helpers/release-workflow';

// An environment that ran PREVIOUS on x86_64 t3.small instances and whose deployment moved to
// t4g.small (arm64): the next release records the arm64 AMI with the new instance type, which is
// what moves its instances (see LedgerReference.instanceTypeFor).

const INSTANCE_TYPE = `${PREFIX}/instance-type`;
const ARCHITECTURE = `${PREFIX}/architecture`;
const X86_AMI = 'ami-0aaaaaaaaaaaaaaaa';
const { amiId: ARM_AMI, ...METADATA } = RELEASE;
const MANIFEST = { ...METADATA, images: { [`${ACCOUNT}/${REGION}/x86_64`]: X86_AMI, [`${ACCOUNT}/${REGION}/arm64`]: ARM_AMI } };
const RAN_ON_X86 = { ...ledgerOf(PREVIOUS), [INSTANCE_TYPE]: 't3.small', [ARCHITECTURE]: 'x86_64' };

const movedToGraviton = () => workflowDefinition({
  target: target({
    architecture: ec2.InstanceArchitecture.ARM_64,
    instanceType: 't4g.small',
    instanceTypeParameterName: INSTANCE_TYPE,
    architectureParameterName: ARCHITECTURE,
  }),
});

/** GetParameters of a ledger holding `values`, in no particular order. */
function ledgerHolding(values: Record<string, string>): TaskFake {
  return (input) => ({
    Parameters: (input.Names as string[]).filter((name) => name in values).reverse()
      .map((name) => ({ Name: name, Type: 'String', DataType: 'text', Version: 7, Value: values[name] })),
    InvalidParameters: (input.Names as string[]).filter((name) => !(name in values)),
  });
}

/** GetParameter of `<name>:previous-release` of a ledger whose previous release holds `values`. */
function labelled(values: Record<string, string>): TaskFake {
  return (input) => {
    const name = (input.Name as string).split(':')[0];
    return { Parameter: { Name: name, Type: 'String', DataType: 'text', Version: 5, Value: values[name] } };
  };
}

/** The ledger after an execution: `before`, then every write and restore in order. */
function ledgerAfter(execution: LocalExecution, before: Record<string, string>): Record<string, string> {
  const puts = [...execution.calls.PutLedgerParameter ?? [], ...execution.calls.RestoreLedgerParameter ?? []] as any[];
  return { ...before, ...Object.fromEntries(puts.map((put) => [put.Name, put.Value])) };
}

describe('ReleaseWorkflow of an environment that records its instance type', () => {
  test('given a deployment moved from t3.small to t4g.small, then the release writes the arm64 AMI with t4g.small and arm64, and says so', async () => {
    const execution = await runRelease(movedToGraviton(), MANIFEST, { ...targetFakes(), ReadLedger: ledgerHolding(RAN_ON_X86) });

    expect(execution.status).toBe('SUCCEEDED');
    expect(ledgerAfter(execution, RAN_ON_X86)).toEqual({ ...ledgerOf(RELEASE), [INSTANCE_TYPE]: 't4g.small', [ARCHITECTURE]: 'arm64' });
    expect(execution.output).toMatchObject({ amiId: ARM_AMI, instanceType: 't4g.small', outcome: 'RELEASED' });
    // The new versions of both are labelled with the others: a return to the previous release returns to x86_64.
    expect((execution.calls.LabelCurrentReleaseVersion as any[]).map((call) => call.Name))
      .toEqual([...FIELDS.map((field) => NAMES[field]), INSTANCE_TYPE, ARCHITECTURE]);
  });

  test('given the move rolls back, then the ledger is restored to the x86_64 AMI with t3.small and x86_64, so that the stack keeps its x86_64 instances', async () => {
    const execution = await runRelease(movedToGraviton(), MANIFEST, {
      ...targetFakes({ statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'] }),
      ReadLedger: ledgerHolding(RAN_ON_X86),
    });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ReleaseRolledBack' });
    expect(ledgerAfter(execution, RAN_ON_X86)).toEqual(RAN_ON_X86);
  });

  test('given "returnToPreviousRelease" after the move, then the ledger returns to the x86_64 AMI with the instance type it ran on', async () => {
    const ranOnArm = { ...ledgerOf(RELEASE), [INSTANCE_TYPE]: 't4g.small', [ARCHITECTURE]: 'arm64' };
    const execution = await runRelease(movedToGraviton(), { returnToPreviousRelease: true }, {
      ...targetFakes(),
      ReadLedger: ledgerHolding(ranOnArm),
      ReadPreviousReleaseParameter: labelled(RAN_ON_X86),
      ReadRetiringVersion: labelled(RAN_ON_X86),
      ReadRetiringAmi: labelled(RAN_ON_X86),
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(ledgerAfter(execution, ranOnArm)).toEqual(RAN_ON_X86);
    expect(execution.output).toMatchObject({ amiId: PREVIOUS.amiId, instanceType: 't3.small' });
  });

  test('given a ledger without the instance type parameters (its ledger stack not deployed since), then nothing is written and the error names them', async () => {
    const execution = await runRelease(movedToGraviton(), MANIFEST, { ...targetFakes(), ReadLedger: ledgerHolding(ledgerOf(PREVIOUS)) });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'LedgerNotFound' });
    expect(execution.cause).toContain(`${INSTANCE_TYPE}, ${ARCHITECTURE}. Deploy the environment`);
    expect(execution.calls.PutLedgerParameter).toBeUndefined();
  });

  test.each([
    ['an instance type without its parameter names', { instanceType: 't4g.small', architecture: ec2.InstanceArchitecture.ARM_64 },
      /give instanceTypeParameterName and architectureParameterName too/],
    ['parameter names without an architecture', { instanceType: 't4g.small', instanceTypeParameterName: INSTANCE_TYPE, architectureParameterName: ARCHITECTURE },
      /give architecture too/],
    ['an instance type that is not one', {
      instanceType: 't4g small',
      architecture: ec2.InstanceArchitecture.ARM_64,
      instanceTypeParameterName: INSTANCE_TYPE,
      architectureParameterName: ARCHITECTURE,
    }, /instanceType must be a literal instance type such as t4g.small, got 't4g small'/],
  ])('given a target with %s, then synthesis fails naming what is missing', (_case, overrides, message) => {
    expect(() => workflowDefinition({ target: target(overrides) })).toThrow(message);
  });
});
