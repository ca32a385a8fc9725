/**
 * What a bake records of an image's vulnerability scan, in `scan` of each of the release
 * manifest's `builds`, and what a release judges by.
 */
export const SCAN_STATUSES = {
  /** Image Builder recorded the scan: `severityCounts`, and `findings` at or above MEDIUM. */
  scanned: 'SCANNED',
  /** The image was built without scanning: `reason` says why. */
  notScanned: 'NOT_SCANNED',
  /** The image was scanned, but no result could be read in time: `reason` says what happened. */
  noResult: 'NO_RESULT',
} as const;

/**
 * The severities Image Builder counts an image's findings by (`SeverityCounts`: critical, high and
 * medium, and all of them), most severe first. Lower severities (low, informational, untriaged)
 * are only in the count of all.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_SeverityCounts.html
 */
export const COUNTED_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM'] as const;

/** JSONata of the counts of a SCANNED scan at `path`: `0 critical, 2 high, 5 medium, 19 in all`. */
export function severityCountsText(path: string): string {
  return [...COUNTED_SEVERITIES.map((severity) => [severity.toLowerCase(), ` ${severity.toLowerCase()}`]), ['all', ' in all']]
    .map(([name, label]) => `${path}.severityCounts.${name} & "${label}"`).join(' & ", " & ');
}

/** JSONata of a line that tells a scan at `path`: its counts, `not scanned` or `no scan result`. */
export function scanSummaryText(path: string): string {
  return `(${path}.status = "${SCAN_STATUSES.scanned}" ? ${severityCountsText(path)} : ${path}.status = "${SCAN_STATUSES.notScanned}" ? "not scanned" : "no scan result")`;
}
