import { Template } from 'aws-cdk-lib/assertions';
import { runBakeLocally } from '../../../scripts/lib/bake-simulation';
import { LocalExecution, TaskFailure, TaskFake, stateMachineDefinition } from '../../../scripts/lib/local-state-machine';
import { sdkTaskContracts } from '../../../scripts/lib/state-machine-contracts';
import { AslDefinition } from '../../../scripts/lib/state-machines';
import { BAKE, BAKED, BUILD, ScanRecord, bakeStack, finding, missFakes, onlyBuild, scanFakes } from '../../helpers/bake-workflow';

// One bake of a recipe that scans, synthesized once: each test runs it locally against what Image
// Builder recorded of the image's scan.
const scanning = bakeStack({}, { vulnerabilityScanning: true });
const template = Template.fromStack(scanning.stack).toJSON();
const definition: AslDefinition = stateMachineDefinition(template);

function bakeScanned(record: ScanRecord, overrides: Record<string, TaskFake> = {}): Promise<LocalExecution> {
  return runBakeLocally(definition, BAKE, { ...missFakes(), ...scanFakes(record), ...overrides });
}

describe('ImageScanFindings', () => {
  test('given a scan Image Builder records as COLLECTING, then COMPLETED, then the bake waits for it and records the counts and, page by page, the findings at or above MEDIUM', async () => {
    const execution = await bakeScanned({
      statuses: ['COLLECTING', 'COMPLETED'],
      counts: { all: 9, critical: 1, high: 2, medium: 1 },
      pages: [
        [finding('CVE-2026-1001', 'HIGH'), finding('CVE-2026-1002', 'LOW'), finding('CVE-2026-1003', 'MEDIUM')],
        [finding('CVE-2026-1004', 'CRITICAL'), finding('CVE-2026-1005', 'INFORMATIONAL'), finding('GHSA-4v6p-8h2c-2x3q', 'HIGH')],
      ],
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.ReadScanState).toEqual([{ ImageBuildVersionArn: BUILD }, { ImageBuildVersionArn: BUILD }]);
    const thisImage = { Name: 'imageBuildVersionArn', Values: [BUILD] };
    expect(execution.calls.ReadFindingCounts).toEqual([{ Filter: thisImage }]);
    expect(execution.calls.ListScanFindings).toEqual([{ Filters: [thisImage], MaxResults: 25 }]);
    expect(execution.calls.ListMoreScanFindings).toEqual([{ Filters: [thisImage], MaxResults: 25, NextToken: 'page-1' }]);
    expect(onlyBuild(execution).scan).toEqual({
      status: 'SCANNED',
      severityCounts: { critical: 1, high: 2, medium: 1, all: 9 },
      findings: [
        { vulnerabilityId: 'CVE-2026-1001', severity: 'HIGH' },
        { vulnerabilityId: 'CVE-2026-1003', severity: 'MEDIUM' },
        { vulnerabilityId: 'CVE-2026-1004', severity: 'CRITICAL' },
        { vulnerabilityId: 'GHSA-4v6p-8h2c-2x3q', severity: 'HIGH' },
      ],
      findingsComplete: true,
    });
    expect((execution.output as any).findingsSummary).toBe('x86_64: 1 critical, 2 high, 1 medium, 9 in all');
  });

  test('given a scan with no finding at or above MEDIUM, then no finding is listed', async () => {
    const execution = await bakeScanned({ counts: { all: 3, critical: 0, high: 0, medium: 0 } });

    expect(execution.calls.ListScanFindings).toBeUndefined();
    expect(onlyBuild(execution).scan).toEqual({
      status: 'SCANNED', severityCounts: { critical: 0, high: 0, medium: 0, all: 3 }, findings: [], findingsComplete: true,
    });
  });

  test('given more findings at or above MEDIUM than 20 pages hold, then the bake lists 20 pages and says the list is incomplete', async () => {
    const pages = Array.from({ length: 21 }, (_, index) => [finding(`CVE-2026-${2000 + index}`, 'HIGH')]);
    const execution = await bakeScanned({ counts: { all: 21, critical: 0, high: 21, medium: 0 }, pages });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.ListMoreScanFindings).toHaveLength(19);
    expect(onlyBuild(execution).scan).toMatchObject({ status: 'SCANNED', severityCounts: { high: 21 }, findingsComplete: false });
    expect(onlyBuild(execution).scan.findings).toHaveLength(20);
  });

  test('given no aggregation of the image\'s findings, then the bake lists every page and counts the findings it lists', async () => {
    const execution = await bakeScanned({
      aggregated: false,
      pages: [[finding('CVE-2026-1001', 'HIGH'), finding('CVE-2026-1002', 'LOW')], [finding('CVE-2026-1003', 'MEDIUM')]],
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.ListMoreScanFindings).toHaveLength(1);
    expect(onlyBuild(execution).scan).toEqual({
      status: 'SCANNED',
      severityCounts: { critical: 0, high: 1, medium: 1, all: 3 },
      findings: [{ vulnerabilityId: 'CVE-2026-1001', severity: 'HIGH' }, { vulnerabilityId: 'CVE-2026-1003', severity: 'MEDIUM' }],
      findingsComplete: true,
    });
  });

  test('given no aggregation of the image\'s findings and none listed, then the bake asked for them before it records none', async () => {
    const execution = await bakeScanned({ aggregated: false });

    expect(execution.calls.ListScanFindings).toHaveLength(1);
    expect(onlyBuild(execution).scan).toEqual({
      status: 'SCANNED', severityCounts: { critical: 0, high: 0, medium: 0, all: 0 }, findings: [], findingsComplete: true,
    });
  });

  test('given no aggregation of the image\'s findings and more than 20 pages of them, then the manifest says there is no result, and why', async () => {
    const pages = Array.from({ length: 21 }, (_, index) => [finding(`CVE-2026-${2000 + index}`, 'LOW')]);
    const execution = await bakeScanned({ aggregated: false, pages });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.ListMoreScanFindings).toHaveLength(19);
    expect(onlyBuild(execution).scan).toEqual({
      status: 'NO_RESULT',
      reason: `Image Builder has no count of the findings of image ${BUILD}, and lists more than 20 pages of them: they were not all counted`,
    });
  });

  test('given an image reused from a build before scanning was turned on, then the manifest says it was not scanned, and why', async () => {
    const execution = await bakeScanned({ scanningEnabled: false, statuses: [undefined] }, {
      FindBakedImage: () => ({ ResourceTagMappingList: [{ ResourceARN: BAKED, Tags: [] }] }),
    });

    expect(execution.calls.CreateImage).toBeUndefined();
    expect(execution.calls.ReadFindingCounts).toBeUndefined();
    expect(onlyBuild(execution).scan).toEqual({
      status: 'NOT_SCANNED',
      reason: `Image ${BAKED} was built without scanning, before the recipe's vulnerabilityScanning was turned on, and reused`,
    });
  });

  test('given a scan that Image Builder abandoned, then the bake succeeds and the manifest says there is no result, and why', async () => {
    const execution = await bakeScanned({ statuses: ['ABANDONED'] });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.ReadScanState).toHaveLength(1);
    expect(onlyBuild(execution).scan).toEqual({
      status: 'NO_RESULT',
      reason: `Image Builder's scan of image ${BUILD} ended ABANDONED: The image build ended before the findings were collected`,
    });
    expect((execution.output as any).findingsSummary).toBe('x86_64: no scan result');
  });

  test('given a scan still SCANNING 15 minutes after the image was available, then the bake stops waiting and the manifest says there is no result', async () => {
    const execution = await bakeScanned({ statuses: ['SCANNING'] });

    expect(execution.status).toBe('SUCCEEDED');
    // Read when the image is available, then every minute for 15 minutes.
    expect(execution.calls.ReadScanState).toHaveLength(16);
    expect(onlyBuild(execution).scan).toEqual({
      status: 'NO_RESULT', reason: `The scan of image ${BUILD} was still SCANNING 15 minutes after the image was available`,
    });
  });

  test('given findings the bake may not read, then the bake succeeds and the manifest says there is no result, with the error', async () => {
    const execution = await bakeScanned({}, {
      ReadFindingCounts: () => {
        throw new TaskFailure('Imagebuilder.ForbiddenException', 'You are not authorized to perform this operation.');
      },
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(onlyBuild(execution).scan).toEqual({
      status: 'NO_RESULT', reason: `The scan of image ${BUILD} could not be read: You are not authorized to perform this operation.`,
    });
  });

  test('given the scan reads, then each fits botocore\'s model and the bake\'s role allows it, on this recipe\'s images only', () => {
    const contracts = sdkTaskContracts(template).filter(({ state }) => /Scan|Finding/.test(state));

    expect(contracts.map(({ state, api, problems }) => [state, api, problems])).toEqual([
      ['ReadScanState', 'imagebuilder:GetImage', []],
      ['ReadFindingCounts', 'imagebuilder:ListImageScanFindingAggregations', []],
      ['ListScanFindings', 'imagebuilder:ListImageScanFindings', []],
      ['ListMoreScanFindings', 'imagebuilder:ListImageScanFindings', []],
    ]);
    const statements = Object.values(Template.fromStack(scanning.stack).findResources('AWS::IAM::Policy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: any) => [statement.Action].flat().some((action: string) => action.startsWith('imagebuilder:ListImageScan')));
    expect(statements).toHaveLength(1);
    expect(JSON.stringify(statements[0].Resource)).toContain(`:image/${scanning.recipe.imageRecipeName}-*`);
  });
});
