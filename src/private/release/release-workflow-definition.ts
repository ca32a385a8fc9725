import { Duration, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { NO_RELEASE } from './release-ledger';
import { DataVolumeSnapshotStates } from './release-workflow-data-snapshots';
import { ImageFindingsGate, NO_SCAN_NAMED } from './release-workflow-findings';
import { ImageKeyGrantStates } from './release-workflow-image-key';
import { AmiRetirement, InUseTagStates } from './release-workflow-in-use';
import { ReleaseLabelStates } from './release-workflow-labels';
import { ReleaseStates, ledgerNames, recordsInstanceType, releaseFields } from './release-workflow-states';
import { StackUpdateStates } from './release-workflow-update';
import type { ReleaseTarget } from '../../release-target';
import type { VulnerabilityPolicy } from '../../vulnerability-policy';

/** Longest tag value EC2 and CloudFormation accept; the commit message becomes one. */
export const TAG_VALUE_MAX_LENGTH = 256;

/**
 * The keys under which a release manifest's `images` may hold an environment's AMI, most specific
 * first: `<account>/<region>/<architecture>` (a bake's, one AMI per architecture), then
 * `<account>/<region>` (a manifest that names one AMI per account and region).
 */
export function releaseManifestImageKeys(target: Pick<ReleaseTarget, 'account' | 'region' | 'architecture'>): string[] {
  const place = `${target.account}/${target.region}`;
  return target.architecture === undefined ? [place] : [`${place}/${target.architecture}`, place];
}

export interface ReleaseDefinitionOptions {
  readonly environmentName: string;
  readonly target: ReleaseTarget;
  /** Credentials of every target-side call; undefined calls as the state machine's role. */
  readonly credentials?: sfn.Credentials;
  /** Bound of the stack update, and separately of the rollback after a cancelled update. */
  readonly timeout: Duration;
  /** When a retired AMI is old enough to deregister. */
  readonly retirement: AmiRetirement;
  /** Which images the environment may run, by their vulnerability scan. */
  readonly vulnerabilities: VulnerabilityPolicy;
}

/**
 * The states of a release into one environment (JSONPath, apart from two JSONata states: picking the
 * AMI and the retired AMI's age): see `ReleaseWorkflow` for the input, output and errors.
 */
export class ReleaseDefinition {
  private readonly states: ReleaseStates;
  private readonly target: ReleaseTarget;
  private readonly names: string[];
  private readonly fields: string[];

  constructor(private readonly scope: Construct, private readonly options: ReleaseDefinitionOptions) {
    this.states = new ReleaseStates(scope, options.target, options.credentials);
    this.target = options.target;
    this.names = ledgerNames(options.target);
    this.fields = releaseFields(options.target);
  }

  public chain(): sfn.IChainable {
    const labels = new ReleaseLabelStates(this.states);
    const inUse = new InUseTagStates(this.states, this.options.environmentName, this.options.retirement);
    const released = inUse.tagReleased(labels.label(inUse.retire(this.output())));
    const restore = this.restoreLedger();
    // Nothing is written before the data volumes are snapshotted: a release that cannot take its way back does not start.
    const update = this.writeLedger(restore).next(new StackUpdateStates(this.states, this.options.timeout).update(restore, released));
    const snapshotAndUpdate = new DataVolumeSnapshotStates(this.states).before(inUse.readRetiring(update));
    const release = this.describeStack()
      .next(this.states.call('ReadLedger', 'ssm', 'getParameters', { Names: this.names }, '$.ledger',
        { 'parameters.$': '$.Parameters', 'found.$': 'States.ArrayLength($.Parameters)' }))
      .next(new sfn.Choice(this.scope, 'LedgerComplete?')
        .when(sfn.Condition.numberEquals('$.ledger.found', this.names.length), this.selectLedger()
          .next(new sfn.Choice(this.scope, 'AlreadyRunning?')
            // Writing the same AMI with a new version would change the instances' tags, and so replace every instance.
            .when(sfn.Condition.stringEqualsJsonPath('$.amiId', '$.ledger.amiId[0]'), this.alreadyRunning())
            .otherwise(this.plan().next(snapshotAndUpdate))))
        .otherwise(new sfn.Fail(this.scope, 'LedgerIncomplete', {
          error: 'LedgerNotFound',
          cause: `The release ledger of stack ${this.target.stackName} is incomplete: account ${this.target.account}, region ${this.target.region} `
            + `must hold ${this.names.join(', ')}. Deploy the environment (its ledger stack creates them) before releasing into it.`,
        })));
    const amiGiven = new sfn.Choice(this.scope, 'AmiGiven?')
      .when(sfn.Condition.isPresent('$.amiId'), new ImageFindingsGate(this.states, this.options.environmentName, this.options.vulnerabilities)
        .judge(new ImageKeyGrantStates(this.states).grant(release)))
      .otherwise(new sfn.Fail(this.scope, 'AmiNotGiven', {
        error: 'ImageNotInManifest',
        cause: `The release names no AMI for stack ${this.target.stackName}: give "amiId", or a release manifest whose "images" `
          + `has ${this.target.architecture === undefined ? `the key "${this.target.account}/${this.target.region}", or a single key `
            + `"${this.target.account}/${this.target.region}/<architecture>"` : releaseManifestImageKeys(this.target).map((key) => `"${key}"`).join(' or ')}. `
          + 'Nothing was released.',
      }));
    return this.prepare().next(labels.returnToPrevious(amiGiven));
  }

  /**
   * A JSONata state (the findings' judgement and the retirement's age check are the others): JSONPath intrinsics cannot shorten a
   * string or read a key that holds a `/`, JSONata's `$substring` and `$lookup` can, and one state of a JSONPath workflow may use JSONata.
   *
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
   */
  private prepare(): sfn.Pass {
    const given = (field: string, otherwise: string) => `$exists($states.input.${field}) ? $states.input.${field} : ${otherwise}`;
    return sfn.Pass.jsonata(this.scope, 'PrepareRelease', {
      comment: `Picks this environment's AMI and its image's fingerprint and scan from a release manifest, and truncates the commit message to the ${TAG_VALUE_MAX_LENGTH} `
        + 'characters of a tag value',
      // A given AMI other than the manifest's has neither the fingerprint nor the scan of the manifest's build: those are of another image.
      outputs: `{% ($manifestAmi := ${this.manifestAmi()}; $amiId := ${given('amiId', '$manifestAmi')}; $build := $amiId = $manifestAmi ? ${this.manifestBuild()}; `
        + '$merge([$states.input, {'
        + '"amiId": $amiId, '
        + `"commitMessage": $substring($states.input.commitMessage, 0, ${TAG_VALUE_MAX_LENGTH}), `
        + `"contentHash": ${given('contentHash', `"${NO_RELEASE}"`)}, `
        + `"fingerprint": ${given('fingerprint', `[$build.fingerprint, "${NO_RELEASE}"][0]`)}, `
        + `"scan": [$build.scan, ${NO_SCAN_NAMED}][0]`
        + this.instanceTypeFields()
        + '}])) %}',
    });
  }

  /**
   * JSONata of the instance type and architecture the release records, the target's: an
   * environment whose deployment moved to another architecture releases its AMI of that
   * architecture and moves to the instance type with it.
   */
  private instanceTypeFields(): string {
    if (!recordsInstanceType(this.target)) return '';
    return `, "instanceType": "${this.target.instanceType}", "architecture": "${this.target.architecture}"`;
  }

  /**
   * JSONata of this environment's build in a bake's manifest: of its architecture, or the only
   * build; undefined when the manifest names no build.
   */
  private manifestBuild(): string {
    return this.target.architecture === undefined
      ? '($count($states.input.builds) = 1 ? $states.input.builds[0] : undefined)'
      : `$states.input.builds[architecture = "${this.target.architecture}"]`;
  }

  /**
   * JSONata of the manifest's AMI for this environment: under the first of its keys that the
   * manifest has (JSONata's array constructor drops what is undefined). An environment of unknown
   * architecture takes the only AMI of its account and region.
   */
  private manifestAmi(): string {
    const lookups = releaseManifestImageKeys(this.target).map((key) => `$lookup($states.input.images, "${key}")`);
    if (this.target.architecture !== undefined) return `[${lookups.join(', ')}][0]`;
    const prefix = `${this.target.account}/${this.target.region}/`;
    const perArchitecture = `$filter($keys($states.input.images), function($key) { $substring($key, 0, ${prefix.length}) = "${prefix}" })`;
    return `($perArchitecture := ${perArchitecture}; $exists(${lookups[0]}) ? ${lookups[0]} `
      + ': $count($perArchitecture) = 1 ? $lookup($states.input.images, $perArchitecture[0]) : undefined)';
  }

  /** Whether the stack can be read at all: nothing is written before. */
  private describeStack(): sfn.TaskStateBase {
    const describe = this.states.describeStack('DescribeStack', '$.stack', { 'id.$': '$.Stacks[0].StackId' });
    describe.addCatch(this.states.explain('ExplainStackUnreadable', 'ReleaseNotStarted',
      `Could not read stack ${this.target.stackName} in account ${this.target.account}, region ${this.target.region}, so nothing was released: {}`,
      '$.error.Cause').next(this.states.fail('StackUnreadable')), { errors: ['States.TaskFailed'], resultPath: '$.error' });
    return describe;
  }

  /**
   * Each ledger value as a one-element list: GetParameters returns them in any order. Only reached
   * when all exist, as a filter that matches nothing is an error (in the local runner at least).
   */
  private selectLedger(): sfn.Pass {
    return new sfn.Pass(this.scope, 'SelectLedger', {
      parameters: Object.fromEntries(this.fields.flatMap((field, index) => [
        [`${field}.$`, `$.ledger.parameters[?(@.Name == '${this.names[index]}')].Value`],
        [`${field}Version.$`, `$.ledger.parameters[?(@.Name == '${this.names[index]}')].Version`],
      ])),
      resultPath: '$.ledger',
    });
  }

  /** The release, the previous release (what a failure restores), and the ledger writes of each. */
  private plan(): sfn.Pass {
    const previous = (field: string) => `States.ArrayGetItem($.ledger.${field}, 0)`;
    const entries = (value: (field: string) => string) => this.fields.map((field, index) => ({ 'Name': this.names[index], 'Value.$': value(field) }));
    return new sfn.Pass(this.scope, 'PlanRelease', {
      parameters: {
        ...Object.fromEntries(this.fields.map((field) => [`${field}.$`, `$.${field}`])),
        // The judgement of the image's findings, for the release's output.
        'vulnerabilities.$': '$.vulnerabilities',
        // Marks this update's stack events, and makes a retried UpdateStack idempotent.
        'updateToken.$': 'States.UUID()',
        'previous': Object.fromEntries(this.fields.map((field) => [`${field}.$`, previous(field)])),
        'ledgerWrites': entries((field) => `$.${field}`),
        'ledgerRestores': entries(previous),
        // The versions that ran before this release: labelled previous-release if it succeeds.
        'previousVersions': this.fields.map((field, index) => ({ 'Name': this.names[index], 'Version.$': previous(`${field}Version`) })),
      },
    });
  }

  private writeLedger(restore: sfn.IChainable): sfn.Map {
    // Keeps each written version, which a successful release labels current-release.
    const write = new sfn.Map(this.scope, 'WriteLedger', { itemsPath: '$.ledgerWrites', maxConcurrency: 1, resultPath: '$.ledgerWritten' })
      .itemProcessor(this.putParameter('PutLedgerParameter', '$.written'));
    write.addCatch(this.states.explain('ExplainLedgerNotWritten', 'ReleaseNotStarted',
      `Could not write the release ledger of stack ${this.target.stackName}, so the stack was not updated: {}. The ledger is restored to {} (version {}).`,
      '$.error.Cause', '$.previous.amiId', '$.previous.version').next(restore), { errors: ['States.ALL'], resultPath: '$.error' });
    return write;
  }

  /** Puts the previous release back in the ledger, then fails with the error in `$.failure`. */
  private restoreLedger(): sfn.IChainable {
    const restore = new sfn.Map(this.scope, 'RestoreLedger', { itemsPath: '$.ledgerRestores', maxConcurrency: 1, resultPath: sfn.JsonPath.DISCARD })
      .itemProcessor(this.putParameter('RestoreLedgerParameter', sfn.JsonPath.DISCARD));
    const manual = this.names.map((name) => `${name}={}`).join(', ');
    restore.addCatch(new sfn.Pass(this.scope, 'ExplainLedgerNotRestored', {
      parameters: {
        cause: sfn.JsonPath.format(`{} The ledger could not be restored ({}): put the previous release back by hand: ${manual}.`,
          ...['$.failure.cause', '$.error.Cause', ...this.fields.map((field) => `$.previous.${field}`)].map((path) => sfn.JsonPath.stringAt(path))),
      },
      resultPath: '$.failure',
    }).next(new sfn.Fail(this.scope, 'LedgerNotRestored', { error: 'LedgerNotRestored', causePath: '$.failure.cause' })),
    { errors: ['States.ALL'], resultPath: '$.error' });
    return restore.next(this.states.fail('ReleaseFailed'));
  }

  private output(): sfn.Pass {
    return new sfn.Pass(this.scope, 'Released', {
      parameters: {
        'environment': this.options.environmentName,
        'amiId.$': '$.amiId',
        'version.$': '$.version',
        'commitId.$': '$.commitId',
        'outcome.$': '$.outcome',
        'previousAmi.$': '$.previousAmi',
        'retiredAmi.$': '$.retiredAmi',
        'vulnerabilities.$': '$.vulnerabilities',
        ...recordsInstanceType(this.target) ? { 'instanceType.$': '$.instanceType' } : {},
        ...this.target.snapshotDataVolumes ? { 'dataVolumeSnapshots.$': '$.dataVolumeSnapshots' } : {},
      },
    });
  }

  /** The environment runs the AMI already: nothing is written, updated or replaced, whatever version the release names. */
  private alreadyRunning(): sfn.Pass {
    return new sfn.Pass(this.scope, 'AlreadyRunning', {
      parameters: {
        'environment': this.options.environmentName,
        'amiId.$': '$.amiId',
        'version.$': 'States.ArrayGetItem($.ledger.version, 0)',
        'commitId.$': 'States.ArrayGetItem($.ledger.commitId, 0)',
        'outcome': 'ALREADY_RUNNING',
        'vulnerabilities.$': '$.vulnerabilities',
        'reason': `Stack ${this.target.stackName} runs this AMI already, released as the version above: the ledger, the stack and its instances were left as they are.`,
      },
    });
  }

  private putParameter(id: string, resultPath: string): sfn.IChainable {
    return this.states.call(id, 'ssm', 'putParameter', {
      Name: sfn.JsonPath.stringAt('$.Name'),
      Value: sfn.JsonPath.stringAt('$.Value'),
      // Plain text, as the ledger was created: see ReleaseLedger.
      Type: 'String',
      DataType: 'text',
      Overwrite: true,
    }, resultPath, { 'Version.$': '$.Version' });
  }
}
