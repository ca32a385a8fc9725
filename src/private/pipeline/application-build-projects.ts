import type { aws_codebuild as codebuild, aws_codepipeline as codepipeline } from 'aws-cdk-lib';

/** The projects `PipelineBuild.createProject` made: the application builds a bake takes its files from. */
const applicationBuilds = new WeakSet<codebuild.IProject>();

export function recordApplicationBuild(project: codebuild.IProject): void {
  applicationBuilds.add(project);
}

/** The application builds that actions of the pipeline run, in its stages so far. */
export function applicationBuildsIn(pipeline: codepipeline.Pipeline): codebuild.IProject[] {
  return pipeline.stages.flatMap((stage) => stage.actions)
    .map((action) => action.actionProperties.resource)
    .filter((resource): resource is codebuild.IProject => resource !== undefined && applicationBuilds.has(resource as codebuild.IProject));
}
