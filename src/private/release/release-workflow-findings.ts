import { aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { ReleaseStates } from './release-workflow-states';
import { UnscannedImageAction, VulnerabilityPolicy } from '../../vulnerability-policy';
import { startOfDay } from '../shared/calendar-day';
import { COUNTED_SEVERITIES, SCAN_STATUSES, severityCountsText } from '../shared/image-scan';
import { oneLine } from '../shared/jsonata';

/** What a release decided of its image's findings, in `vulnerabilities.decision` of its output. */
export const FINDINGS_DECISIONS = {
  /** The environment has no policy: nothing was judged. */
  notGated: 'NOT_GATED',
  /** A return to the previous release, which was judged when it was first released. */
  return: 'NOT_JUDGED_RETURN',
  /** No finding at or above the policy's severity but those it accepts (listed in `accepted`). */
  passed: 'PASSED',
  /** No scan to judge, and the policy releases such images. */
  passedWithoutScan: 'PASSED_WITHOUT_SCAN',
  /** The release failed before it changed anything. */
  refused: 'REFUSED',
} as const;

/** JSONata of the manifest's scan as the release judges it when its input names none. */
export const NO_SCAN_NAMED = `{"status": "${SCAN_STATUSES.notScanned}", "reason": "the release input names no scan of its image"}`;

/**
 * JSONata that sets `$scan` to the manifest's scan (`$states.input.scan`) when it is one a bake
 * records, and otherwise to NO_RESULT, with a reason that names the scan received: an unknown
 * status, counts that are not numbers or a missing reason would garble the judgement's messages.
 */
const RECORDED_SCAN = oneLine(`$received := $states.input.scan;
  $recorded := $received.status = "${SCAN_STATUSES.scanned}"
    ? ${[...COUNTED_SEVERITIES.map((severity) => severity.toLowerCase()), 'all'].map((name) => `$type($received.severityCounts.${name}) = "number"`).join(' and ')}
    : $received.status in ["${SCAN_STATUSES.notScanned}", "${SCAN_STATUSES.noResult}"] and $type($received.reason) = "string";
  $scan := $recorded ? $received : {"status": "${SCAN_STATUSES.noResult}",
    "reason": "the release manifest's scan of the image is not one a bake records: " & ($exists($received) ? $string($received) : "none")};`);

/**
 * The state that judges the released image's scan (`$.scan`, which `PrepareRelease` picks from
 * the manifest) by the environment's `VulnerabilityPolicy`, before anything is written. Its
 * verdict, `$.vulnerabilities`, goes into the release's output, which the execution history and
 * logs keep: the policy, the scan's status and counts, the decision, the findings accepted with
 * their reasons and those refused. A return to the previous release is not judged again.
 *
 * Errors: `ImageHasFindings` (findings at or above the policy's severity that it does not accept;
 * findings the bake could not list count as not accepted), `ImageNotScanned` (no scan to judge,
 * and the policy refuses such images), each naming what was found and how to accept it.
 */
export class ImageFindingsGate {
  constructor(private readonly states: ReleaseStates, private readonly environmentName: string, private readonly policy: VulnerabilityPolicy) {}

  /** Judges the image, then goes to `next`, or fails when the policy refuses it. */
  public judge(next: sfn.IChainable): sfn.IChainable {
    const judge = sfn.Pass.jsonata(this.states.scope, 'JudgeImageFindings', {
      comment: `Judges the image's vulnerability scan by ${this.environmentName}'s policy: ${this.policyName()}`,
      outputs: `{% ${this.verdict()} %}`,
    });
    if (this.policy.severity === undefined) return judge.next(next);
    return judge.next(new sfn.Choice(this.states.scope, 'ImageFindingsAccepted?')
      .when(sfn.Condition.isPresent('$.failure'), this.states.fail('ImageRefused'))
      .otherwise(next));
  }

  private policyName(): string {
    return this.policy.severity === undefined ? 'NONE' : `REFUSE_AT_OR_ABOVE_${this.policy.severity}`;
  }

  /** JSONata: the state's input with `vulnerabilities`, and `failure` when the image is refused. */
  private verdict(): string {
    const severity = this.policy.severity;
    const summary = '{"policy": $policy, "scan": $scan.status}, $scanned ? {"severityCounts": $scan.severityCounts} : {"reason": $scan.reason}';
    const common = `$policy := "${this.policyName()}";
      ${RECORDED_SCAN}
      $scanned := $scan.status = "${SCAN_STATUSES.scanned}";
      $returned := $states.input.returnToPreviousRelease = true;`;
    if (severity === undefined) {
      return oneLine(`(
        ${common}
        $merge([$states.input, {"vulnerabilities": $returned ? {"policy": $policy, "decision": "${FINDINGS_DECISIONS.return}"}
          : $merge([${summary}, {"decision": "${FINDINGS_DECISIONS.notGated}"}])}])
      )`);
    }
    const refusedSeverities = COUNTED_SEVERITIES.slice(0, COUNTED_SEVERITIES.indexOf(severity) + 1);
    const accepted = this.policy.acceptedVulnerabilities.map(({ vulnerabilityId, reason, expires }) => ({
      vulnerabilityId, reason, ...expires === undefined ? {} : { expires, endsAt: startOfDay(expires) },
    }));
    const decideWithoutScan = (action: UnscannedImageAction) => `"${action === UnscannedImageAction.RELEASE ? FINDINGS_DECISIONS.passedWithoutScan : FINDINGS_DECISIONS.refused}"`;
    // Per severity, the findings counted but not listed: never below 0, so that findings listed beyond the counts cancel none of another's.
    const unlisted = refusedSeverities.map((name) => `$max([0, $scan.severityCounts.${name.toLowerCase()} - $count($atOrAbove[severity = "${name}"])])`).join(' + ');
    return oneLine(`(
      ${common}
      $now := $toMillis($states.context.State.EnteredTime);
      $accepting := [$filter(${JSON.stringify(accepted)}, function($acceptance) { $not($exists($acceptance.endsAt)) or $acceptance.endsAt > $now })];
      $atOrAbove := [$scan.findings[severity in ${JSON.stringify(refusedSeverities)}]];
      $accepted := [$atOrAbove[vulnerabilityId in $accepting.vulnerabilityId].($id := vulnerabilityId;
        $merge([$, $sift($accepting[vulnerabilityId = $id], function($value, $key) { $key in ["reason", "expires"] })]))];
      $refused := [$atOrAbove[$not(vulnerabilityId in $accepting.vulnerabilityId)]];
      $unlisted := ${unlisted};
      $refusals := $count($refused) + $unlisted;
      $decision := $returned ? "${FINDINGS_DECISIONS.return}"
        : $scan.status = "${SCAN_STATUSES.notScanned}" ? ${decideWithoutScan(this.policy.whenNotScanned)}
        : $scan.status = "${SCAN_STATUSES.noResult}" ? ${decideWithoutScan(this.policy.whenNoScanResult)}
        : $refusals = 0 ? "${FINDINGS_DECISIONS.passed}" : "${FINDINGS_DECISIONS.refused}";
      $failure := $decision != "${FINDINGS_DECISIONS.refused}" ? undefined
        : $scanned ? {"error": "ImageHasFindings", "cause": "Nothing was released: image " & $states.input.amiId & " has " & $refusals
          & ($refusals = 1 ? " finding" : " findings") & " at or above ${severity} that ${this.environmentName} does not accept: "
          & $join([$refused.(vulnerabilityId & " (" & severity & ")"), $unlisted > 0 ? $unlisted & " more that the bake could not list" : undefined], ", ")
          & ". Its scan counts " & ${severityCountsText('$scan')} & ". Bake an image without them (a newer parent image or package), or accept each finding, with its reason, "
          & "in acceptedVulnerabilities of ${this.environmentName}'s VulnerabilityPolicy, and deploy the app."}
        : {"error": "ImageNotScanned", "cause": "Nothing was released: image " & $states.input.amiId & " has no scan result to judge (" & $scan.status & ": "
          & $scan.reason & "), and ${this.environmentName} refuses such images at or above ${severity}. Turn on the recipe's vulnerabilityScanning and bake again, "
          & "or release such images with " & ($scan.status = "${SCAN_STATUSES.notScanned}" ? "whenNotScanned" : "whenNoScanResult") & ": UnscannedImageAction.RELEASE."};
      $merge([$states.input, {"vulnerabilities": $returned ? {"policy": $policy, "decision": $decision}
        : $merge([${summary}, {"decision": $decision}, $count($accepted) > 0 ? {"accepted": $accepted} : {}, $count($refused) > 0 ? {"refused": $refused} : {}])},
        $exists($failure) ? {"failure": $failure} : {}])
    )`);
  }
}
