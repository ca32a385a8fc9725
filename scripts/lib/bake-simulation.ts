/**
 * Runs a synthesized bake workflow locally. aws-local-stepfunctions runs JSONPath only, so the last
 * state, the JSONata release manifest, is evaluated with the JSONata engine. And it computes
 * SHA-256 wrongly for inputs of 56 bytes or more (checked against node:crypto), so the fingerprint
 * is the text the workflow hashes, unhashed: distinct inputs stay distinct.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
import jsonata = require('jsonata');
import { LocalExecution, TaskFake, runLocally } from './local-state-machine';
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
  const unhashed = { ...fingerprint, Parameters: { 'value.$': hashed[1] } };
  const states = { ...definition.States, Fingerprint: unhashed, ReleaseManifest: { Type: 'Succeed' } };
  const execution = await runLocally({ ...definition, States: states }, input, fakes);
  if (execution.status !== 'SUCCEEDED') {
    return execution;
  }
  const expression = /^\{%([\s\S]*)%\}$/.exec(manifest.Output)![1];
  return { ...execution, output: await jsonata(expression).evaluate({}, { states: { input: execution.output } }) };
}
