import { Duration, Token, aws_codebuild as codebuild } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeBuildProjectFindings } from './private/nag/pipeline-nag';
import { recordApplicationBuild } from './private/pipeline/application-build-projects';

/** Most minutes CodeBuild lets a build run. */
const MAX_BUILD_TIMEOUT = Duration.hours(36);

/** How the build runs, whatever its commands. */
export interface PipelineBuildEnvironment {
  /**
   * Folder, relative to the build's working directory, where the build leaves the files to install
   * (the contents of `/opt/<application>`), e.g. `dist`.
   */
  readonly applicationDirectory: string;

  /**
   * The build image.
   *
   * @default codebuild.LinuxBuildImage.STANDARD_7_0
   */
  readonly buildImage?: codebuild.IBuildImage;

  /**
   * The build's compute size.
   *
   * @default codebuild.ComputeType.SMALL
   */
  readonly computeType?: codebuild.ComputeType;

  /**
   * What the build caches between runs.
   *
   * @default - no cache
   */
  readonly cache?: codebuild.Cache;

  /**
   * How long a build may run: at most 36 hours.
   *
   * @default Duration.minutes(60)
   */
  readonly timeout?: Duration;
}

/** A build from commands given here. */
export interface PipelineBuildCommandsOptions extends PipelineBuildEnvironment {
  /** The commands that build the application into `applicationDirectory`. */
  readonly commands: string[];

  /**
   * Commands that install the build's tools first.
   *
   * @default - none
   */
  readonly installCommands?: string[];
}

/** A build from the repository's own buildspec. */
export interface PipelineBuildSpecFileOptions extends PipelineBuildEnvironment {
  /**
   * Path of the buildspec in the repository. Its artifacts must include `applicationDirectory`.
   *
   * @default 'buildspec.yml'
   */
  readonly path?: string;
}

/**
 * How an `ImmutableAmiPipeline` builds the application from its source: commands, or the
 * repository's buildspec. Either way the build leaves the files to install in one folder; the
 * pipeline packages them and hashes their content for the bake.
 */
export class PipelineBuild {
  /** Runs these commands in a CodeBuild project. */
  public static commands(options: PipelineBuildCommandsOptions): PipelineBuild {
    if (options.commands.length === 0) {
      throw new Error('PipelineBuild.commands needs at least one command that builds the application');
    }
    return new PipelineBuild(options, codebuild.BuildSpec.fromObject({
      version: '0.2',
      phases: {
        ...options.installCommands?.length ? { install: { commands: options.installCommands } } : {},
        build: { commands: options.commands },
      },
      artifacts: { files: [`${options.applicationDirectory}/**/*`] },
    }));
  }

  /** Runs the repository's buildspec in a CodeBuild project. */
  public static buildSpecFile(options: PipelineBuildSpecFileOptions): PipelineBuild {
    const path = options.path ?? 'buildspec.yml';
    if (!Token.isUnresolved(path) && (path.trim() === '' || path.startsWith('/'))) {
      throw new Error(`PipelineBuild.buildSpecFile path must be relative to the repository's root, got '${path}'`);
    }
    return new PipelineBuild(options, codebuild.BuildSpec.fromSourceFilename(path));
  }

  /** Where the build leaves the files to install. */
  public readonly applicationDirectory: string;

  private constructor(private readonly environment: PipelineBuildEnvironment, private readonly buildSpec: codebuild.BuildSpec) {
    validateEnvironment(environment);
    this.applicationDirectory = environment.applicationDirectory;
  }

  /**
   * A CodeBuild project that runs this build. `ImmutableAmiPipeline` creates its own; in a pipeline
   * of yours, add it with a `CodeBuildAction` whose output artifact you give to
   * `AmiBake.addToPipeline` with this build's `applicationDirectory`.
   */
  public createProject(scope: Construct, id: string): codebuild.PipelineProject {
    const project = new codebuild.PipelineProject(scope, id, {
      buildSpec: this.buildSpec,
      environment: {
        buildImage: this.environment.buildImage ?? codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: this.environment.computeType ?? codebuild.ComputeType.SMALL,
      },
      cache: this.environment.cache,
      timeout: this.environment.timeout ?? Duration.minutes(60),
    });
    acknowledgeBuildProjectFindings(project, [project]);
    recordApplicationBuild(project);
    return project;
  }
}

function validateEnvironment(environment: PipelineBuildEnvironment): void {
  const directory = environment.applicationDirectory;
  if (!Token.isUnresolved(directory) && (directory.trim() === '' || directory.startsWith('/') || directory.split('/').includes('..'))) {
    throw new Error(`applicationDirectory must be a folder inside the build's working directory, like 'dist', got '${directory}'`);
  }
  const timeout = environment.timeout;
  if (timeout !== undefined && (timeout.toMinutes() < 5 || timeout.toMinutes() > MAX_BUILD_TIMEOUT.toMinutes())) {
    throw new Error(`The build timeout must be between 5 minutes and ${MAX_BUILD_TIMEOUT.toHumanString()} (CodeBuild's limit), got ${timeout.toHumanString()}`);
  }
}
