import { Duration, Stack, aws_iam as iam, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { BuildableRecipe } from '../image/buildable-recipe';
import { perBuildArn } from '../image/image-builder-names';
import { COUNTED_SEVERITIES, SCAN_STATUSES } from '../shared/image-scan';
import { oneLine } from '../shared/jsonata';
import { SdkCallOptions, sdkCall } from '../shared/sdk-call';

/**
 * How long a bake waits, once its image is available, for Image Builder to record the image's scan
 * as ended. Image Builder collects the findings of its test instance's scan during the build, and
 * marks the scan ABANDONED when the image reaches a terminal state first, so the record is
 * normally final when the image is: the wait is for a record that lags behind the image.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_ImageScanState.html
 */
export const SCAN_RESULT_WAIT = Duration.minutes(15);
const SCAN_POLL_INTERVAL = Duration.minutes(1);
const SCAN_POLLS = SCAN_RESULT_WAIT.toSeconds() / SCAN_POLL_INTERVAL.toSeconds();

/**
 * Findings per ListImageScanFindings page: each finding carries its description, scores and
 * packages, and a page, which the state's output holds whole, must stay far below Step Functions'
 * 256 KiB.
 */
const FINDINGS_PAGE_SIZE = 25;
/** Pages read at most: findings beyond them are counted, not listed (`findingsComplete` is false). */
const MAX_FINDINGS_PAGES = 20;

/** Scan statuses that end a scan without a result. */
const ENDED_WITHOUT_RESULT = ['ABANDONED', 'FAILED', 'TIMED_OUT'];

/** JSONata: the state's input without the raw answer of the last read. */
const INPUT_WITHOUT_READ = '$sift($states.input, function($value, $key) { $key != "scanRead" })';

/**
 * The states that read what Image Builder recorded of an image's vulnerability scan (Amazon
 * Inspector's scan of the build's test instance) into `$.scan`, as the release manifest carries it:
 *
 * - `{ "status": "SCANNED", "severityCounts": { "critical", "high", "medium", "all" },
 *   "findings": [{ "vulnerabilityId", "severity" }], "findingsComplete" }`: the counts of
 *   `ListImageScanFindingAggregations` (or, when it has no aggregation of the image, the counts of
 *   every finding `ListImageScanFindings` lists), and the findings at or above MEDIUM that
 *   `ListImageScanFindings` lists (all of them, unless there are more than 500 findings to page
 *   through: then `findingsComplete` is false);
 * - `{ "status": "NOT_SCANNED", "reason" }`: the recipe does not scan, or the image, reused from an
 *   earlier build, was built without scanning;
 * - `{ "status": "NO_RESULT", "reason" }`: the scan ended ABANDONED, FAILED or TIMED_OUT, was not
 *   recorded as ended `SCAN_RESULT_WAIT` after the image was available (read every minute), could
 *   not be read, or has no aggregation and more findings than `MAX_FINDINGS_PAGES` pages list. The bake goes on: each environment's policy decides what such an image may do.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-inspector.html
 */
export class ImageScanFindings {
  /** What reading a recipe's images' findings takes: list calls on its images, which name one image each. */
  public static statements(stack: Stack, recipe: BuildableRecipe): iam.PolicyStatement[] {
    if (!recipe._artifactBuildSettings.vulnerabilityScanning) return [];
    return [new iam.PolicyStatement({
      actions: ['imagebuilder:ListImageScanFindingAggregations', 'imagebuilder:ListImageScanFindings'],
      resources: [perBuildArn(stack, recipe.imageRecipeName)],
    })];
  }

  constructor(private readonly scope: Construct, private readonly recipe: BuildableRecipe) {}

  /** Reads the scan of the image `$.image.arn` into `$.scan`, then goes to `next`. */
  public chain(next: sfn.IChainable): sfn.IChainable {
    const scope = this.scope;
    if (!this.recipe._artifactBuildSettings.vulnerabilityScanning) {
      return new sfn.Pass(scope, 'ImageNotScanned', {
        result: sfn.Result.fromObject({
          status: SCAN_STATUSES.notScanned,
          reason: `Recipe ${this.recipe.imageRecipeName} does not scan its images (vulnerabilityScanning is off)`,
        }),
        resultPath: '$.scan',
      }).next(next);
    }
    const unreadable = new sfn.Pass(scope, 'ScanUnreadable', {
      parameters: {
        status: SCAN_STATUSES.noResult,
        reason: sfn.JsonPath.format('The scan of image {} could not be read: {}', sfn.JsonPath.stringAt('$.image.arn'), sfn.JsonPath.stringAt('$.scanError.Cause')),
      },
      resultPath: '$.scan',
    }).next(next);
    const imageFilter = { Name: 'imageBuildVersionArn', Values: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.image.arn')) };
    const readState = this.call('ReadScanState', { action: 'getImage', parameters: { ImageBuildVersionArn: sfn.JsonPath.stringAt('$.image.arn') } }, unreadable);
    const readCounts = this.call('ReadFindingCounts', { action: 'listImageScanFindingAggregations', parameters: { Filter: imageFilter } }, unreadable);
    const listFindings = (id: string, nextToken?: string) => this.call(id, {
      action: 'listImageScanFindings',
      parameters: { Filters: [imageFilter], MaxResults: FINDINGS_PAGE_SIZE, ...nextToken && { NextToken: sfn.JsonPath.stringAt(nextToken) } },
    }, unreadable);
    const listFirst = listFindings('ListScanFindings');
    const listMore = listFindings('ListMoreScanFindings', '$.scanPages.nextToken');
    const collect = this.collectFindings();
    const scanned = sfn.Condition.isPresent('$.scan');
    listFirst.next(collect);
    listMore.next(collect);
    collect.next(new sfn.Choice(scope, 'MoreScanFindings?').when(scanned, next).otherwise(listMore));
    readCounts.next(this.countFindings()).next(new sfn.Choice(scope, 'ScanFindingsToList?').when(scanned, next).otherwise(listFirst));
    const wait = new sfn.Wait(scope, 'WaitForScan', { time: sfn.WaitTime.duration(SCAN_POLL_INTERVAL) });
    readState.next(this.judgeScanState()).next(new sfn.Choice(scope, 'ScanRecorded?')
      .when(sfn.Condition.stringEquals('$.scanWait.next', 'WAIT'), wait)
      .when(sfn.Condition.stringEquals('$.scanWait.next', 'READ'), readCounts)
      .otherwise(next));
    wait.next(readState);
    return new sfn.Pass(scope, 'StartScanWait', { result: sfn.Result.fromObject({ polls: 0 }), resultPath: '$.scanWait' }).next(readState);
  }

  /**
   * A JSONata state: whether the image was scanned at all, and whether its scan has ended, with a
   * result (READ) or without one, or is still going (WAIT) and may be waited for.
   */
  private judgeScanState(): sfn.Pass {
    const minutes = SCAN_RESULT_WAIT.toMinutes();
    return sfn.Pass.jsonata(this.scope, 'JudgeScanState', {
      comment: `Whether Image Builder recorded the image's scan as ended; read every minute for up to ${minutes} minutes`,
      outputs: oneLine(`{% (
        $image := $states.input.scanRead.Image;
        $status := $image.ScanState.Status;
        $polls := $states.input.scanWait.polls + 1;
        $arn := $states.input.image.arn;
        $scan := $image.ImageScanningConfiguration.ImageScanningEnabled = false
          ? {"status": "${SCAN_STATUSES.notScanned}", "reason": "Image " & $arn & " was built without scanning, before the recipe's vulnerabilityScanning was turned on, and reused"}
          : $status in ${JSON.stringify(ENDED_WITHOUT_RESULT)}
            ? {"status": "${SCAN_STATUSES.noResult}", "reason": "Image Builder's scan of image " & $arn & " ended " & $status & ($exists($image.ScanState.Reason) ? ": " & $image.ScanState.Reason : "")}
          : $status != "COMPLETED" and $polls > ${SCAN_POLLS}
            ? {"status": "${SCAN_STATUSES.noResult}", "reason": "The scan of image " & $arn & " was " & ($exists($status) ? "still " & $status : "not recorded") & " ${minutes} minutes after the image was available"}
            : undefined;
        $merge([${INPUT_WITHOUT_READ}, {"scanWait": {"polls": $polls, "next": $exists($scan) ? "DONE" : $status = "COMPLETED" ? "READ" : "WAIT"}},
          $exists($scan) ? {"scan": $scan} : {}])
      ) %}`),
    });
  }

  /**
   * A JSONata state: the counts by severity, and the scan itself when nothing at or above MEDIUM is
   * left to list. Without an aggregation of the image (`counted` false), no count is taken as 0:
   * the findings are listed, every page, and counted from the list.
   */
  private countFindings(): sfn.Pass {
    const counted = COUNTED_SEVERITIES.map((severity) => severity.toLowerCase());
    const fieldOf = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
    return sfn.Pass.jsonata(this.scope, 'CountFindings', {
      comment: 'The image\'s findings by severity, as Image Builder aggregates them: critical, high, medium, and all',
      outputs: oneLine(`{% (
        $arn := $states.input.image.arn;
        $aggregation := ($states.input.scanRead.Responses.ImageAggregation)[ImageBuildVersionArn = $arn][0];
        $counts := $aggregation.SeverityCounts;
        $severityCounts := {${[...counted, 'all'].map((name) => `"${name}": $exists($counts.${fieldOf(name)}) ? $counts.${fieldOf(name)} : 0`).join(', ')}};
        $toList := ${counted.map((name) => `$severityCounts.${name}`).join(' + ')};
        $merge([${INPUT_WITHOUT_READ}, {"scanPages": $exists($aggregation)
            ? {"counted": true, "pages": 0, "findings": [], "listed": 0, "severityCounts": $severityCounts, "toList": $toList}
            : {"counted": false, "pages": 0, "findings": [], "listed": 0}},
          $exists($aggregation) and $toList = 0 ? {"scan": {"status": "${SCAN_STATUSES.scanned}", "severityCounts": $severityCounts, "findings": [], "findingsComplete": true}} : {}])
      ) %}`),
    });
  }

  /**
   * A JSONata state: adds a page's findings at or above MEDIUM to those listed so far, and ends the
   * scan once each is listed, the pages end, or `MAX_FINDINGS_PAGES` were read. Findings not
   * counted by an aggregation are counted from the list when it ends within those pages; beyond
   * them, the scan has no result.
   */
  private collectFindings(): sfn.Pass {
    const listedCounts = `{${COUNTED_SEVERITIES.map((severity) => `"${severity.toLowerCase()}": $count($findings[severity = "${severity}"])`).join(', ')}, "all": $listed}`;
    return sfn.Pass.jsonata(this.scope, 'CollectFindings', {
      comment: `The findings at or above MEDIUM, with their vulnerability ids, from at most ${MAX_FINDINGS_PAGES} pages`,
      outputs: oneLine(`{% (
        $pages := $states.input.scanPages;
        $page := $states.input.scanRead;
        $findings := $append($pages.findings,
          [$page.Findings[Severity in ${JSON.stringify(COUNTED_SEVERITIES)}].{"vulnerabilityId": PackageVulnerabilityDetails.VulnerabilityId, "severity": Severity}]);
        $listed := $pages.listed + $count($page.Findings);
        $more := $exists($page.NextToken) and ($pages.counted ? $count($findings) < $pages.toList : true) and $pages.pages + 1 < ${MAX_FINDINGS_PAGES};
        $scan := $more ? undefined
          : $pages.counted ? {"status": "${SCAN_STATUSES.scanned}", "severityCounts": $pages.severityCounts, "findings": $findings,
            "findingsComplete": $count($findings) >= $pages.toList}
          : $exists($page.NextToken) ? {"status": "${SCAN_STATUSES.noResult}", "reason": "Image Builder has no count of the findings of image " & $states.input.image.arn
            & ", and lists more than ${MAX_FINDINGS_PAGES} pages of them: they were not all counted"}
          : {"status": "${SCAN_STATUSES.scanned}", "severityCounts": ${listedCounts}, "findings": $findings, "findingsComplete": true};
        $merge([${INPUT_WITHOUT_READ}, {"scanPages": $merge([$pages, {"pages": $pages.pages + 1, "findings": $findings, "listed": $listed, "nextToken": $page.NextToken}])},
          $exists($scan) ? {"scan": $scan} : {}])
      ) %}`),
    });
  }

  /** An Image Builder read into `$.scanRead`; a read that fails leaves the scan without a result. */
  private call(id: string, call: Pick<SdkCallOptions, 'action' | 'parameters'>, unreadable: sfn.IChainable) {
    const task = sdkCall(this.scope, id, { service: 'imagebuilder', ...call, resultPath: '$.scanRead' });
    task.addCatch(unreadable, { errors: ['States.ALL'], resultPath: '$.scanError' });
    return task;
  }
}
