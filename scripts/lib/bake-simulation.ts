/**
 * Runs a synthesized bake workflow locally. aws-local-stepfunctions runs JSONPath only, so each
 * JSONata Pass state (the provenance tags of a build's distributions, the release manifest) runs
 * as a local task that evaluates its `Output` with the JSONata engine. And it computes SHA-256
 * wrongly for inputs of 56 bytes or more (checked against node:crypto), so the fingerprint is the
 * text the workflow hashes, unhashed: distinct inputs stay distinct.
 */
import { LocalExecution, LocalRunOptions, TaskFake, mapAllStates, runLocally, withJsonataPassStatesAsTasks } from './local-state-machine';
import { AslDefinition } from './state-machines';

/** The fingerprint state's SHA-256 of the text that decides the image. */
const FINGERPRINT = /^States\.Hash\((States\.Format\('\{\}\|[^']+\|\{\}', \$\.contentHash, \$\.parentImage\.id\)), 'SHA-256'\)$/;

export async function runBakeLocally(definition: AslDefinition, input: unknown, fakes: Record<string, TaskFake>,
  options: LocalRunOptions = {}): Promise<LocalExecution> {
  const manifest = definition.States.ReleaseManifest;
  if (manifest?.QueryLanguage !== 'JSONata' || manifest.End !== true) {
    throw new Error('The bake workflow must end with the JSONata state ReleaseManifest');
  }
  const local = withJsonataPassStatesAsTasks(withUnhashedFingerprints(definition));
  return runLocally(local.definition, input, { ...fakes, ...local.fakes }, options);
}

/** The definition with each architecture's Fingerprint state (in the bake's Parallel branches) unhashed. */
function withUnhashedFingerprints(definition: AslDefinition): AslDefinition {
  let fingerprints = 0;
  const unhashed = mapAllStates(definition, (name, state) => {
    if (!/(^|-)Fingerprint$/.test(name)) return state;
    const hashed = FINGERPRINT.exec(state.Parameters?.['value.$'] ?? '');
    if (!hashed) {
      throw new Error(`The ${name} state must hash the content hash, the recipe and the parent image, got ${JSON.stringify(state)}`);
    }
    fingerprints += 1;
    return { ...state, Parameters: { 'value.$': hashed[1] } };
  });
  if (fingerprints === 0) throw new Error('The bake workflow has no Fingerprint state');
  return unhashed;
}
