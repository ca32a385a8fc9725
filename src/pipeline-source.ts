import {
  Annotations, Arn, ArnFormat, Stack, Token,
  aws_codecommit as codecommit, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_events as events,
  aws_events_targets as targets, aws_iam as iam, aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeNagFinding } from './private/nag/nag-acknowledgement';
import type { SourceRevisionType } from './private/pipeline/patch-rebuild-workflow';

/**
 * A repository connection (GitHub, GitLab, Bitbucket) through AWS CodeConnections.
 */
export interface ConnectionSourceOptions {
  /**
   * ARN of the connection, in either form: `arn:aws:codeconnections:...:connection/<id>` or the
   * older `arn:aws:codestar-connections:...:connection/<id>`. The pipeline may use it under both
   * service prefixes, as connections created under one are called under the other.
   *
   * @see https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html
   */
  readonly connectionArn: string;
  /** Owner of the repository: a user, organization or workspace, e.g. `my-org`. */
  readonly owner: string;
  /** Name of the repository, e.g. `web`. */
  readonly repository: string;
  /** Branch whose pushes start the pipeline, e.g. `main`. */
  readonly branch: string;
  /**
   * Only pushes that change a file matching one of these glob patterns start the pipeline, e.g.
   * `['app/**', 'buildspec.yml']`.
   *
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-filter.html
   * @default - any push to the branch
   */
  readonly triggerOnFilePaths?: string[];
}

/** A CodeCommit repository. */
export interface CodeCommitSourceOptions {
  /** The repository. */
  readonly repository: codecommit.IRepository;
  /** Branch whose pushes start the pipeline. */
  readonly branch: string;
}

/**
 * An S3 object: a zip of the source. A new version of the object starts the pipeline, through the
 * bucket's own events to Amazon EventBridge (no CloudTrail trail, no polling): the library turns
 * them on for a bucket of this app; turn them on yourself for an imported one.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/create-S3-source-events.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
 */
export interface S3SourceOptions {
  /** The bucket, in the pipeline's account and region, versioned so that each execution reads one version. */
  readonly bucket: s3.IBucket;
  /** Key of the zip, e.g. `web/source.zip`. */
  readonly key: string;
}

/** What a source gives the pipeline: the source action, and the trigger filter it needs. */
export interface PipelineSourceBinding {
  /** The action of the pipeline's Source stage. */
  readonly action: codepipeline.IAction;
  /**
   * The V2 trigger that filters the action's pushes by branch and file paths.
   *
   * @default - the action's own trigger
   */
  readonly trigger?: codepipeline.TriggerProps;
}

/**
 * Where an `ImmutableAmiPipeline` gets its source: a repository connection, a CodeCommit
 * repository, or an S3 object. Each source names a branch (or key) at synth time.
 */
export abstract class PipelineSource {
  /** A GitHub, GitLab or Bitbucket repository through a CodeConnections connection. */
  public static connection(options: ConnectionSourceOptions): PipelineSource {
    return new ConnectionSource(options);
  }

  /** A CodeCommit repository. */
  public static codeCommit(options: CodeCommitSourceOptions): PipelineSource {
    return new CodeCommitSource(options);
  }

  /** A zip object in a versioned S3 bucket. */
  public static s3(options: S3SourceOptions): PipelineSource {
    return new S3Source(options);
  }

  /** A description of the source, for messages: repository and branch, or bucket and key. */
  public abstract readonly description: string;

  /**
   * The CodePipeline variables that name the commit and its message, for the release's provenance.
   *
   * @internal
   */
  public abstract readonly _commitVariables: { readonly commitId: string; readonly commitMessage: string };

  /**
   * What the source action's revision ids are, to start the pipeline again on one of them.
   *
   * @internal
   */
  public abstract readonly _revisionType: SourceRevisionType;

  /**
   * The source action writing to `output`, and its trigger.
   *
   * @internal
   */
  public abstract _bind(output: codepipeline.Artifact): PipelineSourceBinding;

  /**
   * What starts the pipeline on a change beyond its source action's own trigger: nothing, but for
   * the sources whose events are a rule of their own.
   *
   * @internal
   */
  public _startOnChange(_pipeline: codepipeline.IPipeline): void {}
}

/** The name of the source action, which is also its variables' namespace. */
const SOURCE_ACTION_NAME = 'Source';

/** The variables of repository sources: the commit they read. */
const COMMIT_VARIABLES = { commitId: `#{${SOURCE_ACTION_NAME}.CommitId}`, commitMessage: `#{${SOURCE_ACTION_NAME}.CommitMessage}` };

class ConnectionSource extends PipelineSource {
  public readonly description: string;
  public readonly _commitVariables = COMMIT_VARIABLES;
  public readonly _revisionType = 'COMMIT_ID';

  constructor(private readonly options: ConnectionSourceOptions) {
    super();
    validateBranch(options.branch, `repository ${options.owner}/${options.repository}`);
    validateConnectionArn(options.connectionArn);
    for (const [name, value] of [['owner', options.owner], ['repository', options.repository]]) {
      if (!Token.isUnresolved(value) && (value.trim() === '' || value.includes('/'))) {
        throw new Error(`PipelineSource.connection ${name} must be one name without '/', got '${value}'`);
      }
    }
    if (options.triggerOnFilePaths !== undefined && options.triggerOnFilePaths.length === 0) {
      throw new Error('PipelineSource.connection triggerOnFilePaths must name at least one pattern, or be left out to trigger on any change');
    }
    this.description = `repository ${options.owner}/${options.repository}, branch ${options.branch}`;
  }

  public _bind(output: codepipeline.Artifact): PipelineSourceBinding {
    const action = new actions.CodeStarConnectionsSourceAction({
      actionName: SOURCE_ACTION_NAME,
      connectionArn: this.options.connectionArn,
      owner: this.options.owner,
      repo: this.options.repository,
      branch: this.options.branch,
      output,
      // The commit id and message reach the release ledger and the AMI's tags.
      variablesNamespace: SOURCE_ACTION_NAME,
      // The trigger below starts the pipeline, with its branch and file path filters.
      triggerOnPush: this.options.triggerOnFilePaths === undefined,
    });
    return {
      action: new BothConnectionPrefixes(action, this.options.connectionArn),
      trigger: this.options.triggerOnFilePaths && {
        providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
        gitConfiguration: {
          sourceAction: action,
          pushFilter: [{ branchesIncludes: [this.options.branch], filePathsIncludes: this.options.triggerOnFilePaths }],
        },
      },
    };
  }
}

class CodeCommitSource extends PipelineSource {
  public readonly description: string;
  public readonly _commitVariables = COMMIT_VARIABLES;
  public readonly _revisionType = 'COMMIT_ID';

  constructor(private readonly options: CodeCommitSourceOptions) {
    super();
    validateBranch(options.branch, `CodeCommit repository ${options.repository.node.path}`);
    this.description = `CodeCommit repository ${options.repository.repositoryName}, branch ${options.branch}`;
  }

  public _bind(output: codepipeline.Artifact): PipelineSourceBinding {
    return {
      action: new actions.CodeCommitSourceAction({
        actionName: SOURCE_ACTION_NAME,
        repository: this.options.repository,
        branch: this.options.branch,
        output,
        variablesNamespace: SOURCE_ACTION_NAME,
      }),
    };
  }
}

class S3Source extends PipelineSource {
  public readonly description: string;
  /** An object has no commit: its version stands for one. */
  public readonly _commitVariables = { commitId: `#{${SOURCE_ACTION_NAME}.VersionId}`, commitMessage: `Object version #{${SOURCE_ACTION_NAME}.VersionId}` };
  public readonly _revisionType = 'S3_OBJECT_VERSION_ID';

  constructor(private readonly options: S3SourceOptions) {
    super();
    if (!Token.isUnresolved(options.key) && (options.key.trim() === '' || options.key.startsWith('/'))) {
      throw new Error(`PipelineSource.s3 key must be an object key without a leading '/', got '${options.key}'`);
    }
    this.description = `s3://${options.bucket.bucketName}/${options.key}`;
  }

  public _bind(output: codepipeline.Artifact): PipelineSourceBinding {
    return {
      action: new actions.S3SourceAction({
        actionName: SOURCE_ACTION_NAME,
        bucket: this.options.bucket,
        bucketKey: this.options.key,
        output,
        variablesNamespace: SOURCE_ACTION_NAME,
        // S3Trigger.EVENTS reads CloudTrail's records of S3 data events, which only a trail that
        // logs them produces: the bucket's own EventBridge events need none (see _startOnChange).
        trigger: actions.S3Trigger.NONE,
      }),
    };
  }

  /** A rule on the object's `Object Created` events, which S3 sends to EventBridge once the bucket has them on. */
  public _startOnChange(pipeline: codepipeline.IPipeline): void {
    const { bucket, key } = this.options;
    new events.Rule(pipeline, 'SourceObjectCreated', {
      description: `Starts the pipeline when a new version of ${this.description} is written`,
      eventPattern: { source: ['aws.s3'], detailType: ['Object Created'], detail: { bucket: { name: [bucket.bucketName] }, object: { key: [key] } } },
      targets: [new targets.CodePipeline(pipeline)],
    });
    if (bucket instanceof s3.Bucket) {
      bucket.enableEventBridgeNotification();
      acknowledgeBucketNotificationsHandler(Stack.of(bucket));
    } else {
      Annotations.of(pipeline).addWarningV2('cdk-immutable-servers:s3-source-events',
        `The pipeline starts on the Amazon EventBridge events of bucket ${bucket.bucketName}, which is not of this app: turn them on `
        + `(aws s3api put-bucket-notification-configuration --bucket ${bucket.bucketName} --notification-configuration '{"EventBridgeConfiguration": {}}', `
        + 'or eventBridgeEnabled on its s3.Bucket), or no new version of the source starts the pipeline');
    }
  }
}

/**
 * aws-cdk-lib turns a bucket's EventBridge events on with a singleton custom resource of the
 * bucket's stack, whose Lambda function nag reports; its findings are acknowledged there.
 */
function acknowledgeBucketNotificationsHandler(stack: Stack): void {
  const handler = stack.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) return;
  acknowledgeNagFinding(handler, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'aws-cdk-lib\'s handler that writes the bucket\'s notification configuration writes only its own logs with the AWS-managed basic execution policy');
}

/**
 * The connection source action, whose role may use the connection under both service prefixes:
 * CodeConnections renamed CodeStar Connections, and a pipeline calls the connection under the prefix
 * of its ARN or the new one.
 */
class BothConnectionPrefixes implements codepipeline.IAction {
  public readonly actionProperties: codepipeline.ActionProperties;

  constructor(private readonly action: actions.CodeStarConnectionsSourceAction, private readonly connectionArn: string) {
    this.actionProperties = action.actionProperties;
  }

  public bind(scope: Construct, stage: codepipeline.IStage, options: codepipeline.ActionBindOptions): codepipeline.ActionConfig {
    const config = this.action.bind(scope, stage, options);
    options.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['codeconnections:UseConnection', 'codestar-connections:UseConnection'],
      resources: connectionArnForms(this.connectionArn),
    }));
    return config;
  }

  public onStateChange(name: string, target?: events.IRuleTarget, options?: events.RuleProps): events.Rule {
    return this.action.onStateChange(name, target, options);
  }
}

/** The connection's ARN under both service prefixes. */
function connectionArnForms(connectionArn: string): string[] {
  if (Token.isUnresolved(connectionArn)) {
    return [connectionArn];
  }
  const parts = Arn.split(connectionArn, ArnFormat.SLASH_RESOURCE_NAME);
  return ['codeconnections', 'codestar-connections'].map((service) => Arn.format({ ...parts, service }));
}

function validateConnectionArn(connectionArn: string): void {
  if (!Token.isUnresolved(connectionArn) && !/^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]+$/.test(connectionArn)) {
    throw new Error('PipelineSource.connection connectionArn must be a CodeConnections connection ARN '
      + `(arn:aws:codeconnections:<region>:<account>:connection/<id>), got '${connectionArn}'`);
  }
}

function validateBranch(branch: string, where: string): void {
  if (!Token.isUnresolved(branch) && (branch.trim() === '' || /\s/.test(branch))) {
    throw new Error(`The branch of ${where} must be a branch name without spaces, got '${branch}'`);
  }
}
