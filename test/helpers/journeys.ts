import { JOURNEYS, JourneyResult, runJourney } from '../../scripts/lib/journey/journeys';

/**
 * Runs one journey by name (see scripts/lib/journey): the synthesized workflows against moto and
 * the simulations, failing on any call that breaks AWS's contract or an invariant.
 */
export function journey(name: string): Promise<JourneyResult> {
  const found = JOURNEYS.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`No journey '${name}'`);
  return runJourney(found);
}
