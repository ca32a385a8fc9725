import { Duration } from 'aws-cdk-lib';
import { PromotionApproval } from '../../src';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from '../helpers/nag';
import { threeAccountPromotion } from '../helpers/promotion-app';

/**
 * Findings about what the test itself builds as a user would: its pipeline (role, artifact
 * bucket and key, source action, and the replication bucket aws-cdk-lib adds in another region),
 * its source bucket and its VPCs. The user acknowledges those, as the example app does.
 */
const USER_OWNED = [/^Pipeline\/Pipeline\/(Role|ArtifactsBucket|ArtifactsBucketEncryptionKey|Source)\//, /^Pipeline\/Releases\//, /^Web-\w+\/Vpc\//,
  /\/CrossRegionReplicationSupport-[^/]+\/CrossRegionCodePipelineReplicationBucket/];

describe('EnvironmentPromotion under cdk-nag', () => {
  test('given three accounts, two regions, approvals and soaks, then nothing the promotion creates has a finding, in any stack, and every acknowledgement says why', () => {
    const { app, promotion, pipeline, releaseManifest } = threeAccountPromotion(() => ({
      environments: {
        dev: { soakPeriod: Duration.minutes(10) },
        qa: { soakPeriod: Duration.minutes(10), approval: PromotionApproval.manual() },
        prod: { soakPeriod: Duration.minutes(30), approval: PromotionApproval.manual() },
      },
    }));
    promotion.addToPipeline(pipeline, { releaseManifest });

    const findings = awsSolutionsFindings(app).filter((finding) => !USER_OWNED.some((pattern) => pattern.test(finding.path)));
    expect(findings.map((finding) => `${finding.rule} at ${finding.path}`)).toEqual([]);
    expect(nagAcknowledgements(app).filter((acknowledgement) => !isSpecificReason(acknowledgement.reason))).toEqual([]);
  });
});
