import { aws_ec2 as ec2 } from 'aws-cdk-lib';
import { validateDefinition } from '../../../scripts/lib/state-machines';
import { UnscannedImageAction, VulnerabilityPolicy, VulnerabilitySeverity } from '../../../src';
import {
  ACCOUNT, PREVIOUS, REGION, RELEASE, finalLedger, labelledLedger, ledgerHolding, ledgerOf, runRelease, target, targetFakes, workflowDefinition,
} from '../../helpers/release-workflow';

// Releases into prod, whose policy refuses findings at or above HIGH but one it accepts until a
// day after the local runs (helpers' NOW, 2027-03-01), and one whose acceptance ended before.
const ACCEPTED = { vulnerabilityId: 'CVE-2026-1001', reason: 'openssl is not reachable from the network here; SEC-42', expires: '2027-06-30' };
const EXPIRED = { vulnerabilityId: 'CVE-2026-1009', reason: 'Fixed upstream in the next parent image; SEC-40', expires: '2027-02-01' };
const refuseHigh = workflowDefinition({
  target: target({ architecture: ec2.InstanceArchitecture.X86_64 }),
  vulnerabilities: VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.HIGH, { acceptedVulnerabilities: [ACCEPTED, EXPIRED] }),
});

const { amiId, fingerprint, ...metadata } = RELEASE;
const COUNTS = { critical: 0, high: 1, medium: 2, all: 9 };
const MEDIUMS = [{ vulnerabilityId: 'CVE-2026-2001', severity: 'MEDIUM' }, { vulnerabilityId: 'CVE-2026-2002', severity: 'MEDIUM' }];

/** A bake's manifest whose x86_64 build (the target's) has `scan`; its arm64 build has a critical finding. */
function manifest(scan: Record<string, unknown>) {
  const critical = { status: 'SCANNED', severityCounts: { critical: 1, high: 0, medium: 0, all: 1 }, findings: [{ vulnerabilityId: 'CVE-2026-9999', severity: 'CRITICAL' }] };
  return {
    ...metadata,
    images: { [`${ACCOUNT}/${REGION}/x86_64`]: amiId, [`${ACCOUNT}/${REGION}/arm64`]: 'ami-0armarmarmarmarm0' },
    builds: [{ architecture: 'arm64', fingerprint: 'e1'.repeat(32), scan: critical }, { architecture: 'x86_64', fingerprint, scan }],
  };
}

const scanned = (findings: unknown[], findingsComplete = true, severityCounts = COUNTS) => ({ status: 'SCANNED', severityCounts, findings, findingsComplete });

/** Nothing was written, granted or updated: the release stopped at the judgement. */
function expectNothingChanged(execution: { calls: Record<string, unknown[]> }) {
  expect(Object.keys(execution.calls)).toEqual(['PrepareRelease', 'JudgeImageFindings']);
}

describe('ReleaseWorkflow and the environment\'s vulnerability policy', () => {
  test('given a policy, then the judgement is one JSONata state before anything is read from the target, and asl-validator finds nothing wrong', () => {
    expect(refuseHigh.States['AmiGiven?'].Choices[0].Next).toBe('JudgeImageFindings');
    expect(refuseHigh.States.JudgeImageFindings).toMatchObject({ Type: 'Pass', QueryLanguage: 'JSONata', Next: 'ImageFindingsAccepted?' });
    expect(validateDefinition(refuseHigh)).toEqual([]);
  });

  test('given the image of the target\'s architecture has findings below HIGH only, then it is released, and the output reports the scan and the decision', async () => {
    const execution = await runRelease(refuseHigh, manifest(scanned(MEDIUMS, true, { ...COUNTS, high: 0 })), targetFakes());

    expect(execution.status).toBe('SUCCEEDED');
    expect(finalLedger(execution)).toEqual(ledgerOf(RELEASE));
    expect((execution.output as any).vulnerabilities).toEqual({
      policy: 'REFUSE_AT_OR_ABOVE_HIGH', scan: 'SCANNED', severityCounts: { ...COUNTS, high: 0 }, decision: 'PASSED',
    });
  });

  test('given a HIGH finding the policy does not accept, then nothing is released, and the error names it, the counts and how to accept it', async () => {
    const execution = await runRelease(refuseHigh, manifest(scanned([{ vulnerabilityId: 'CVE-2026-3003', severity: 'HIGH' }, ...MEDIUMS])), targetFakes());

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageHasFindings' });
    expect(execution.cause).toBe(`Nothing was released: image ${amiId} has 1 finding at or above HIGH that prod does not accept: CVE-2026-3003 (HIGH). `
      + 'Its scan counts 0 critical, 1 high, 2 medium, 9 in all. Bake an image without them (a newer parent image or package), or accept each finding, '
      + 'with its reason, in acceptedVulnerabilities of prod\'s VulnerabilityPolicy, and deploy the app.');
    expectNothingChanged(execution);
  });

  test('given a HIGH finding the policy accepts, then the image is released, and the output names the finding with its reason', async () => {
    const execution = await runRelease(refuseHigh, manifest(scanned([{ vulnerabilityId: ACCEPTED.vulnerabilityId, severity: 'HIGH' }, ...MEDIUMS])), targetFakes());

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as any).vulnerabilities).toEqual({
      policy: 'REFUSE_AT_OR_ABOVE_HIGH',
      scan: 'SCANNED',
      severityCounts: COUNTS,
      decision: 'PASSED',
      accepted: [{ vulnerabilityId: ACCEPTED.vulnerabilityId, severity: 'HIGH', reason: ACCEPTED.reason, expires: ACCEPTED.expires }],
    });
  });

  test('given a finding whose acceptance ended before the release, or findings the bake could not list, then they are refused', async () => {
    const expired = await runRelease(refuseHigh, manifest(scanned([{ vulnerabilityId: EXPIRED.vulnerabilityId, severity: 'HIGH' }])), targetFakes());
    expect(expired).toMatchObject({ status: 'FAILED', error: 'ImageHasFindings' });
    expect(expired.cause).toContain(`that prod does not accept: ${EXPIRED.vulnerabilityId} (HIGH).`);

    // Listed: the accepted HIGH finding; counted: one critical more, which the bake's pages did not reach.
    const unlisted = await runRelease(refuseHigh, manifest(scanned([{ vulnerabilityId: ACCEPTED.vulnerabilityId, severity: 'HIGH' }], false,
      { ...COUNTS, critical: 1 })), targetFakes());
    expect(unlisted).toMatchObject({ status: 'FAILED', error: 'ImageHasFindings' });
    expect(unlisted.cause).toContain('has 1 finding at or above HIGH that prod does not accept: 1 more that the bake could not list.');
  });

  test('given more findings listed than counted, then each listed finding the policy does not accept is refused: the surplus cancels none of them', async () => {
    // Counted: one HIGH; listed: two HIGH, one of them accepted, and a CRITICAL the counts miss.
    const surplus = await runRelease(refuseHigh, manifest(scanned([
      { vulnerabilityId: ACCEPTED.vulnerabilityId, severity: 'HIGH' }, { vulnerabilityId: 'CVE-2026-7777', severity: 'HIGH' },
    ])), targetFakes());
    expect(surplus).toMatchObject({ status: 'FAILED', error: 'ImageHasFindings' });
    expect(surplus.cause).toContain('has 1 finding at or above HIGH that prod does not accept: CVE-2026-7777 (HIGH).');
    expectNothingChanged(surplus);

    // Counted: one CRITICAL, not listed, and one HIGH; listed: the accepted HIGH twice. A surplus of one severity hides no other's unlisted findings.
    const unlisted = await runRelease(refuseHigh, manifest(scanned([
      { vulnerabilityId: ACCEPTED.vulnerabilityId, severity: 'HIGH' }, { vulnerabilityId: ACCEPTED.vulnerabilityId, severity: 'HIGH' },
    ], false, { ...COUNTS, critical: 1 })), targetFakes());
    expect(unlisted).toMatchObject({ status: 'FAILED', error: 'ImageHasFindings' });
    expect(unlisted.cause).toContain('has 1 finding at or above HIGH that prod does not accept: 1 more that the bake could not list.');
  });

  test.each([
    ['NOT_SCANNED', 'Recipe web does not scan its images (vulnerabilityScanning is off)', 'whenNotScanned'],
    ['NO_RESULT', 'The scan of image arn:aws:imagebuilder:eu-west-1:111111111111:image/web-build/1.0.0/1 was still SCANNING 15 minutes after the image was available',
      'whenNoScanResult'],
  ])('given an image whose scan is %s, then the policy refuses it by default, naming why and the setting that releases it', async (status, reason, setting) => {
    const execution = await runRelease(refuseHigh, manifest({ status, reason }), targetFakes());

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageNotScanned' });
    expect(execution.cause).toBe(`Nothing was released: image ${amiId} has no scan result to judge (${status}: ${reason}), and prod refuses such images at or above HIGH. `
      + `Turn on the recipe's vulnerabilityScanning and bake again, or release such images with ${setting}: UnscannedImageAction.RELEASE.`);
    expectNothingChanged(execution);
  });

  test.each([
    ['a status no bake records', { status: 'PENDING', reason: 'still scanning' }],
    ['SCANNED without counts', { status: 'SCANNED', findings: [], findingsComplete: true }],
    ['NOT_SCANNED without a reason', { status: 'NOT_SCANNED' }],
  ])('given a manifest whose scan is %s, then it has no result, with a reason that names the scan received', async (_, scan) => {
    const execution = await runRelease(refuseHigh, manifest(scan), targetFakes());

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageNotScanned' });
    expect(execution.cause).toBe(`Nothing was released: image ${amiId} has no scan result to judge (NO_RESULT: the release manifest's scan of the image `
      + `is not one a bake records: ${JSON.stringify(scan)}), and prod refuses such images at or above HIGH. Turn on the recipe's vulnerabilityScanning and bake `
      + 'again, or release such images with whenNoScanResult: UnscannedImageAction.RELEASE.');
    expectNothingChanged(execution);
  });

  test('given a manifest whose scan is one no bake records and no policy, then the output says it has no result, and why', async () => {
    const execution = await runRelease(workflowDefinition({ target: target({ architecture: ec2.InstanceArchitecture.X86_64 }) }),
      manifest({ status: 'SCANNED', severityCounts: { high: 1 } }), targetFakes());

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as any).vulnerabilities).toEqual({
      policy: 'NONE',
      scan: 'NO_RESULT',
      decision: 'NOT_GATED',
      reason: 'the release manifest\'s scan of the image is not one a bake records: {"status":"SCANNED","severityCounts":{"high":1}}',
    });
  });

  test('given a policy that releases unscanned images, and a release started by hand with an AMI id, then it is released and the output says it was not judged', async () => {
    const releaseUnscanned = workflowDefinition({
      vulnerabilities: VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.CRITICAL, { whenNotScanned: UnscannedImageAction.RELEASE }),
    });
    const execution = await runRelease(releaseUnscanned, RELEASE, targetFakes());

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as any).vulnerabilities).toEqual({
      policy: 'REFUSE_AT_OR_ABOVE_CRITICAL', scan: 'NOT_SCANNED', reason: 'the release input names no scan of its image', decision: 'PASSED_WITHOUT_SCAN',
    });
  });

  test('given a release started by hand with an AMI id and a manifest of other images, then the manifest\'s scans judge none of it: it is NOT_SCANNED', async () => {
    const handGiven = 'ami-0abcabcabcabcabc0';
    // The manifest's x86_64 build, the target's, has nothing at or above HIGH: its scan must not pass another image.
    const execution = await runRelease(refuseHigh, { ...manifest(scanned(MEDIUMS, true, { ...COUNTS, high: 0 })), amiId: handGiven }, targetFakes());

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageNotScanned' });
    expect(execution.cause).toContain(`image ${handGiven} has no scan result to judge (NOT_SCANNED: the release input names no scan of its image)`);
    expectNothingChanged(execution);
  });

  test('given a release that names the manifest\'s own AMI of the target, then that build\'s scan judges it', async () => {
    const execution = await runRelease(refuseHigh, { ...manifest(scanned([{ vulnerabilityId: 'CVE-2026-3003', severity: 'HIGH' }, ...MEDIUMS])), amiId }, targetFakes());

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageHasFindings' });
    expect(execution.cause).toContain(`image ${amiId} has 1 finding at or above HIGH that prod does not accept: CVE-2026-3003 (HIGH).`);
  });

  test('given a return to the previous release, then it is not judged again, however the policy reads: the image was judged when first released', async () => {
    // The ledger runs RELEASE and labels PREVIOUS previous-release.
    const fakes = {
      ...targetFakes(), ReadLedger: ledgerHolding(RELEASE), ReadRetiringVersion: labelledLedger(PREVIOUS), ReadRetiringAmi: labelledLedger(PREVIOUS),
    };
    const execution = await runRelease(refuseHigh, { returnToPreviousRelease: true }, fakes);

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as any).vulnerabilities).toEqual({ policy: 'REFUSE_AT_OR_ABOVE_HIGH', decision: 'NOT_JUDGED_RETURN' });
  });
});
