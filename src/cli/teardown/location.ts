/** An account and region: where an assembly's stacks run, and where the teardown looks. */
export interface Location {
  readonly account: string;
  readonly region: string;
}

/** `<account>/<region>`, as the report and the release manifests write a location. */
export function locationKey(location: Location): string {
  return `${location.account}/${location.region}`;
}

/** The locations, each once, in the order first given. */
export function uniqueLocations(locations: Location[]): Location[] {
  const byKey = new Map<string, Location>();
  for (const location of locations) {
    if (!byKey.has(locationKey(location))) byKey.set(locationKey(location), location);
  }
  return [...byKey.values()];
}
