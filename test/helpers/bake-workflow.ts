import { Template } from 'aws-cdk-lib/assertions';
import { recipeStack } from './recipe-stack';
import { LocalExecution, TaskFake, stateMachineDefinition } from '../../scripts/lib/local-state-machine';
import { AslDefinition } from '../../scripts/lib/state-machines';
import { BakeWorkflow, BakeWorkflowProps } from '../../src/private/bake/bake-workflow';

// A bake of the web application in account 111111111111, eu-west-1, and fakes of every call its
// workflow makes to Image Builder, for local runs (runBakeLocally).

export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';
export const ENV = { account: ACCOUNT, region: REGION };
export const BAKE = {
  artifact: 's3://web-artifacts/builds/8d1c2b3a/web.tar.gz',
  contentHash: '4f0b8e2a7c1d9e3f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f',
  version: '1.4.2',
  commitId: '89e6c98d92887913cadf06b2adb97f26cde4849b',
  commitMessage: 'Serve /health from the new router',
  pipelineExecutionId: '8d1c2b3a-0000-4000-8000-000000000002',
};
export const PARENT = `arn:aws:imagebuilder:${REGION}:aws:image/amazon-linux-2023-x86/2025.1.15/1`;
export const BUILD = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image/web-build/1.0.0/1`;
export const BAKED = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image/web-earlier-build/1.0.0/1`;
export const AMIS = [
  { Region: REGION, Image: 'ami-0123456789abcdef0', AccountId: ACCOUNT },
  { Region: 'us-east-1', Image: 'ami-0fedcba9876543210', AccountId: ACCOUNT },
  { Region: REGION, Image: 'ami-0aaaabbbbccccdddd', AccountId: '222222222222' },
];

export function bakeStack(props: Partial<BakeWorkflowProps> = {}, recipeProps = {}) {
  const { stack, recipe } = recipeStack(recipeProps, undefined, { env: ENV });
  const bake = new BakeWorkflow(stack, 'Bake', { recipes: [recipe], ...props });
  return { stack, recipe, bake };
}

export function bakeDefinition(props: Partial<BakeWorkflowProps> = {}, recipeProps = {}): AslDefinition {
  return stateMachineDefinition(Template.fromStack(bakeStack(props, recipeProps).stack).toJSON());
}

export const image = (arn: string, status: string, extra: Record<string, unknown> = {}) => () => ({
  Image: { Arn: arn, State: { Status: status, ...extra }, ...status === 'AVAILABLE' ? { OutputResources: { Amis: AMIS } } : {} },
});

/** A build that is BUILDING, then TESTING, then ends as `last`, or stays in progress. */
export function buildStates(...statuses: string[]): TaskFake {
  return () => {
    const status = statuses.length > 1 ? statuses.shift()! : statuses[0];
    return { Image: { Arn: BUILD, State: { Status: status, ...status === 'FAILED' ? { Reason: 'Component web-app failed: health check got 503' } : {} } } };
  };
}

/** The recipe's distributions as GetDistributionConfiguration returns them: the build region (with its SSM output) and a copy elsewhere. */
export const DISTRIBUTIONS = [
  {
    Region: REGION,
    AmiDistributionConfiguration: { Name: 'web-{{ imagebuilder:buildDate }}', AmiTags: { 'immutable-servers:image-group': 'web' } },
    SsmParameterConfigurations: [{ ParameterName: '/web/latest-ami', DataType: 'aws:ec2:image' }],
  },
  {
    Region: 'us-east-1',
    AmiDistributionConfiguration: {
      Name: 'web-{{ imagebuilder:buildDate }}', AmiTags: { 'immutable-servers:image-group': 'web' }, TargetAccountIds: ['222222222222'],
    },
  },
];
export const BUILD_DISTRIBUTION = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:distribution-configuration/web-build`;

/** Fakes of a bake that finds nothing baked and whose build becomes available. */
export function missFakes(): Record<string, TaskFake> {
  return {
    ResolveParentImage: image(PARENT, 'AVAILABLE'),
    FindBakedImage: () => ({ ResourceTagMappingList: [] }),
    ReadBakedImage: image(BAKED, 'AVAILABLE'),
    CreateBuildRecipe: (input) => ({ ImageRecipeArn: `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image-recipe/${input.Name}/1.0.0` }),
    CreateImage: () => ({ ImageBuildVersionArn: BUILD }),
    ReadBuild: buildStates('BUILDING', 'TESTING', 'DISTRIBUTING', 'AVAILABLE'),
    CancelBuild: () => ({}),
    ReadBuiltImage: image(BUILD, 'AVAILABLE'),
    ReadDistribution: () => ({ DistributionConfiguration: { Arn: 'recipe-distribution', Name: 'web', Distributions: DISTRIBUTIONS } }),
    CreateBuildDistribution: () => ({ DistributionConfigurationArn: BUILD_DISTRIBUTION }),
    DeleteBuildDistribution: () => ({ DistributionConfigurationArn: BUILD_DISTRIBUTION }),
    DeleteCancelledBuildDistribution: () => ({ DistributionConfigurationArn: BUILD_DISTRIBUTION }),
    DeleteBuildRecipe: (input) => ({ ImageRecipeArn: input.ImageRecipeArn }),
    DeleteCancelledBuildRecipe: (input) => ({ ImageRecipeArn: input.ImageRecipeArn }),
    ...scanFakes(),
  };
}

/** A finding as ListImageScanFindings lists it, with what the bake does not read as well. */
export function finding(vulnerabilityId: string, severity: string): Record<string, unknown> {
  return {
    awsAccountId: ACCOUNT,
    Type: 'PACKAGE_VULNERABILITY',
    Title: `${vulnerabilityId} - openssl`,
    Description: `A flaw was found in openssl (${vulnerabilityId}).`,
    Severity: severity,
    InspectorScore: 7.5,
    FixAvailable: 'YES',
    PackageVulnerabilityDetails: { VulnerabilityId: vulnerabilityId, Source: 'NVD', VulnerablePackages: [{ Name: 'openssl', Version: '3.0.8' }] },
  };
}

/** What Image Builder recorded of a scan, in turn; the last repeats. */
export interface ScanRecord {
  /** `ScanState.Status` of each read, in turn; undefined leaves `ScanState` out. */
  readonly statuses?: Array<string | undefined>;
  /** Whether the image was built with scanning. */
  readonly scanningEnabled?: boolean;
  /** Counts of `SeverityCounts` (all, critical, high, medium): by default, those of the findings in `pages`. */
  readonly counts?: { all: number; critical: number; high: number; medium: number };
  /** Whether ListImageScanFindingAggregations answers with an aggregation of the image: by default it does. */
  readonly aggregated?: boolean;
  /** The pages of ListImageScanFindings, in order. */
  readonly pages?: Array<Array<Record<string, unknown>>>;
}

/** Fakes of the reads of an image's scan, as Image Builder answers them. */
export function scanFakes(record: ScanRecord = {}): Record<string, TaskFake> {
  const statuses = [...record.statuses ?? ['COMPLETED']];
  const pages = record.pages ?? [];
  const page = (index: number) => ({ Findings: pages[index] ?? [], ...index + 1 < pages.length ? { NextToken: `page-${index + 1}` } : {} });
  const listed = pages.flat();
  const count = (severity: string) => listed.filter((listedFinding) => listedFinding.Severity === severity).length;
  const counts = record.counts ?? { all: listed.length, critical: count('CRITICAL'), high: count('HIGH'), medium: count('MEDIUM') };
  return {
    ReadScanState: (input) => {
      const status = statuses.length > 1 ? statuses.shift() : statuses[0];
      return {
        Image: {
          Arn: input.ImageBuildVersionArn,
          State: { Status: 'AVAILABLE' },
          ImageScanningConfiguration: { ImageScanningEnabled: record.scanningEnabled ?? true },
          ...status === undefined ? {} : { ScanState: { Status: status, ...status === 'ABANDONED' ? { Reason: 'The image build ended before the findings were collected' } : {} } },
        },
      };
    },
    ReadFindingCounts: (input) => ({
      AggregationType: 'imageBuildVersionArn',
      Responses: record.aggregated === false ? [] : [{
        ImageAggregation: {
          ImageBuildVersionArn: input.Filter.Values[0],
          SeverityCounts: { All: counts.all, Critical: counts.critical, High: counts.high, Medium: counts.medium },
        },
      }],
    }),
    ListScanFindings: () => page(0),
    ListMoreScanFindings: (input) => page(Number(/^page-(\d+)$/.exec(input.NextToken)![1])),
  };
}

export const MANIFEST_IMAGES = {
  [`${ACCOUNT}/${REGION}/x86_64`]: AMIS[0].Image, [`${ACCOUNT}/us-east-1/x86_64`]: AMIS[1].Image, [`222222222222/${REGION}/x86_64`]: AMIS[2].Image,
};

/** What the manifest says of the bake's one architecture. */
export const onlyBuild = (execution: LocalExecution): any => (execution.output as any).builds[0];
