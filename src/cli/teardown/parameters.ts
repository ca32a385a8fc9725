import { DeleteParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { NamedResource } from './footprint';
import { Leftover, LeftoverKind } from './leftover';
import { Location } from './location';

/** GetParameters takes at most 10 names. */
const NAMES_PER_CALL = 10;

/** Those of the parameters that exist, all of them in `location`. */
export async function findParameters(ssm: SSMClient, location: Location, parameters: NamedResource[]): Promise<Leftover[]> {
  const found: Leftover[] = [];
  for (let start = 0; start < parameters.length; start += NAMES_PER_CALL) {
    const batch = parameters.slice(start, start + NAMES_PER_CALL);
    const { Parameters: existing = [] } = await ssm.send(new GetParametersCommand({ Names: batch.map((parameter) => parameter.name) }));
    for (const parameter of existing) {
      const name = parameter.Name!;
      found.push({
        kind: LeftoverKind.PARAMETER,
        location,
        id: name,
        foundBy: `named by ${batch.find((candidate) => candidate.name === name)?.namedBy}`,
        detail: parameter.Value,
        remove: async () => { await ssm.send(new DeleteParameterCommand({ Name: name })); },
      });
    }
  }
  return found;
}
