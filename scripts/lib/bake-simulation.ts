/**
 * Runs a synthesized bake workflow locally. aws-local-stepfunctions runs JSONPath only, so each
 * JSONata Pass state (the provenance tags of a build's distributions, the release manifest) runs
 * as a local task that evaluates its `Output` with the JSONata engine. And it computes SHA-256
 * wrongly for inputs of 56 bytes or more (checked against node:crypto), so the fingerprint is the
 * text the workflow hashes, unhashed: distinct inputs stay distinct.
 */
import { LocalExecution, TaskFake, runLocally, withJsonataPassStatesAsTasks } from './local-state-machine';
import { AslDefinition } from './state-machines';

/** The fingerprint state's SHA-256 of the text that decides the image. */
const FINGERPRINT = /^States\.Hash\((States\.Format\('\{\}\|[^']+\|\{\}', \$\.contentHash, \$\.parentImage\.id\)), 'SHA-256'\)$/;

export async function runBakeLocally(definition: AslDefinition, input: unknown, fakes: Record<string, TaskFake>): Promise<LocalExecution> {
  const manifest = definition.States.ReleaseManifest;
  if (manifest?.QueryLanguage !== 'JSONata' || manifest.End !== true) {
    throw new Error('The bake workflow must end with the JSONata state ReleaseManifest');
  }
  const fingerprint = definition.States.Fingerprint;
  const hashed = FINGERPRINT.exec(fingerprint?.Parameters?.['value.$'] ?? '');
  if (!hashed) {
    throw new Error(`The Fingerprint state must hash the content hash, the recipe and the parent image, got ${JSON.stringify(fingerprint)}`);
  }
  const unhashed = { ...definition, States: { ...definition.States, Fingerprint: { ...fingerprint, Parameters: { 'value.$': hashed[1] } } } };
  const local = withJsonataPassStatesAsTasks(unhashed);
  return runLocally(local.definition, input, { ...fakes, ...local.fakes });
}
