import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { Location } from './location';
import { LIBRARY_CONSTRUCT_METADATA } from '../../private/shared/library-construct';

/** The parts of a CloudFormation template the teardown reads. */
export interface Template {
  readonly Parameters?: Record<string, { readonly Type: string; readonly Default?: unknown }>;
  readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: any }>;
}

/** A stack of a synthesized app, as `cdk deploy` deploys it and `cdk destroy` deletes it. */
export interface AssemblyStack {
  /** The name CloudFormation knows it by. */
  readonly name: string;
  readonly location: Location;
  /** Its template and those of its nested stacks, which deploy in its account and region. */
  readonly templates: Template[];
  /** The construct paths of each logical id of its templates (one per template that has it). */
  readonly constructPaths: ReadonlyMap<string, readonly string[]>;
  /** The construct paths of the library's constructs in it, and of it when the library made it. */
  readonly libraryPaths: readonly string[];
}

/**
 * Whether the resource of that logical id (of the stack or a nested stack of it) was made by the
 * library's constructs: its construct lies under one the library marked (`markLibraryConstruct`).
 * A logical id the assembly cannot place, or that another template of the stack gives a resource
 * outside the library, is not the library's.
 */
export function madeByLibrary(stack: AssemblyStack, logicalId: string): boolean {
  const paths = stack.constructPaths.get(logicalId) ?? [];
  return paths.length > 0 && paths.every((path) => stack.libraryPaths.some((library) => path === library || path.startsWith(`${library}/`)));
}

/** A problem with the command's input, as opposed to one of AWS's answers. */
export class UsageError extends Error {}

/**
 * The stacks of the cloud assembly in `directory` (`cdk.out`), those of nested assemblies (stages)
 * included.
 */
export function readCloudAssembly(directory: string): AssemblyStack[] {
  const manifestFile = join(directory, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new UsageError(`${directory} holds no cloud assembly (no manifest.json): synthesize the app with the context you deployed it with (npx cdk synth -c ...), or name the assembly with --app <directory>`);
  }
  const artifacts: Record<string, any> = readJson(manifestFile).artifacts ?? {};
  return Object.entries(artifacts).flatMap(([id, artifact]): AssemblyStack[] => {
    if (artifact.type === 'cdk:cloud-assembly') {
      return readCloudAssembly(join(directory, artifact.properties.directoryName));
    }
    if (artifact.type !== 'aws:cloudformation:stack') return [];
    const name: string = artifact.properties.stackName ?? id;
    const template = readJson(join(directory, artifact.properties.templateFile));
    const templates = [template, ...nestedTemplates(directory, artifact, artifacts)];
    return [{ name, location: stackLocation(name, artifact.environment), templates, ...constructsOf(directory, artifact, templates) }];
  });
}

/**
 * `aws://<account>/<region>`. An environment-agnostic stack deploys wherever the deploying
 * credentials point, which the assembly does not record.
 */
function stackLocation(stackName: string, environment: string): Location {
  const match = /^aws:\/\/(\d{12})\/([a-z0-9-]+)$/.exec(environment);
  if (!match) {
    throw new UsageError(`Stack ${stackName} has no account and region in the assembly (${environment}), so the command cannot tell where it was deployed: `
      + 'synthesize it with the account and region it was deployed to (env on the stack, or the context your app reads them from)');
  }
  return { account: match[1], region: match[2] };
}

/**
 * The templates of a stack's nested stacks: CDK writes them as file assets of the top-level stack
 * (`*.nested.template.json`), nested stacks of nested stacks included.
 */
function nestedTemplates(directory: string, stack: any, artifacts: Record<string, any>): Template[] {
  const assetManifests = (stack.dependencies ?? [])
    .map((id: string) => artifacts[id])
    .filter((artifact: any) => artifact?.type === 'cdk:asset-manifest');
  return assetManifests.flatMap((manifest: any) => Object.values<any>(readJson(join(directory, manifest.properties.file)).files ?? {})
    // A file asset an executable makes (`executable` instead of `path`) is no template.
    .flatMap((asset): string[] => (typeof asset.source?.path === 'string' ? [asset.source.path] : []))
    .filter((path) => path.endsWith('.nested.template.json'))
    .map((path) => readJson(join(directory, path))));
}

/**
 * Where the stack's resources are in the construct tree, and which constructs are the library's,
 * from the stack's metadata in the assembly (inline, or in `additionalMetadataFile`): CDK records
 * each resource's logical id under its construct path (nested stacks' too, in their top-level
 * stack's), whatever the app's path metadata setting. A resource's `aws:cdk:path` in the template
 * places it when that record is missing.
 */
function constructsOf(directory: string, artifact: any, templates: Template[]): Pick<AssemblyStack, 'constructPaths' | 'libraryPaths'> {
  const metadata: Record<string, Array<{ type: string; data?: unknown }>> = {
    ...artifact.metadata,
    ...(typeof artifact.additionalMetadataFile === 'string' ? readJson(join(directory, artifact.additionalMetadataFile)) : {}),
  };
  const paths = new Map<string, string[]>();
  const libraryPaths: string[] = [];
  for (const [path, entries] of Object.entries(metadata)) {
    const constructPath = path.replace(/^\//, '');
    for (const entry of entries ?? []) {
      if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') paths.set(entry.data, [...paths.get(entry.data) ?? [], constructPath]);
      if (entry.type === LIBRARY_CONSTRUCT_METADATA) libraryPaths.push(constructPath);
    }
  }
  for (const template of templates) {
    for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
      const path = resource.Metadata?.['aws:cdk:path'];
      if (!paths.has(logicalId) && typeof path === 'string') paths.set(logicalId, [path]);
    }
  }
  return { constructPaths: paths, libraryPaths };
}

function readJson(file: string): any {
  return JSON.parse(readFileSync(file, 'utf8'));
}
