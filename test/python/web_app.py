"""The `web` application's constructs, as the Python tests build them."""

import aws_cdk as cdk
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3

from cdk_immutable_servers import ApplicationArtifact, ApplicationImageRecipe, RollingAsgDeployment


def web_recipe(stack, construct_id="Image", **props):
    return ApplicationImageRecipe(
        stack,
        construct_id,
        application_name="web",
        artifact=ApplicationArtifact(bucket=s3.Bucket.from_bucket_name(stack, f"{construct_id}Artifacts", "artifacts"), key="web.tar.gz"),
        start_command="/opt/web/bin/server",
        **props,
    )


def web_deployment(app, name, env, **props):
    """One environment of `web`, in a stack and VPC of its own."""
    stack = cdk.Stack(app, f"Web-{name}", env=env)
    return RollingAsgDeployment(
        stack,
        "Web",
        application_name="web",
        environment_name=name,
        vpc=ec2.Vpc(stack, "Vpc", max_azs=2),
        **{"instance_type": ec2.InstanceType("t3.small"), "application_port": 8080, **props},
    )


def pipeline_with_s3_source(stack, artifact_name):
    """A V2 pipeline whose only stage reads an S3 object into an artifact of this name: an earlier stage's output, as tests need one."""
    artifact = codepipeline.Artifact(artifact_name)
    pipeline = codepipeline.Pipeline(stack, "Pipeline", pipeline_type=codepipeline.PipelineType.V2)
    pipeline.add_stage(
        stage_name="Source",
        actions=[
            actions.S3SourceAction(
                action_name=artifact_name,
                bucket=s3.Bucket(stack, f"{artifact_name}Objects", versioned=True),
                bucket_key=f"{artifact_name.lower()}.zip",
                output=artifact,
            )
        ],
    )
    return pipeline, artifact
