"""ImmutableAmiPipeline as a Python user sees it: sources and builds as factories, the whole path in one construct."""

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from cdk_immutable_servers import (
    ApplicationArtifact,
    ApplicationImageRecipe,
    ImmutableAmiPipeline,
    PipelineBuild,
    PipelineSource,
    PromotionEnvironment,
    RollingAsgDeployment,
)

ENV = cdk.Environment(account="111111111111", region="eu-west-1")
CONNECTION = "arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718"


def web_pipeline(build):
    app = cdk.App()
    stack = cdk.Stack(app, "Pipeline", env=ENV)
    dev_stack = cdk.Stack(app, "Web-dev", env=ENV)
    dev = RollingAsgDeployment(
        dev_stack,
        "Web",
        application_name="web",
        environment_name="dev",
        vpc=ec2.Vpc(dev_stack, "Vpc", max_azs=2),
        instance_type=ec2.InstanceType("t3.small"),
        application_port=8080,
    )
    recipe = ApplicationImageRecipe(
        stack,
        "Image",
        application_name="web",
        artifact=ApplicationArtifact(bucket=s3.Bucket.from_bucket_name(stack, "Artifacts", "artifacts"), key="web.tar.gz"),
        start_command="/opt/web/bin/server",
    )
    pipeline = ImmutableAmiPipeline(
        stack,
        "Web",
        source=PipelineSource.connection(connection_arn=CONNECTION, owner="my-org", repository="web", branch="main"),
        application_build=build(),
        recipe=recipe,
        environments=[PromotionEnvironment(name="dev", deployment=dev)],
    )
    return stack, pipeline


def test_the_whole_path_from_python_has_source_build_bake_and_an_environment_stage():
    stack, pipeline = web_pipeline(lambda: PipelineBuild.commands(commands=["make"], application_directory="dist"))

    (resource,) = Template.from_stack(stack).find_resources("AWS::CodePipeline::Pipeline").values()
    assert [stage["Name"] for stage in resource["Properties"]["Stages"]] == ["Source", "Build", "Bake", "dev"]
    assert pipeline.bake_state_machine is not None


def test_a_bad_application_directory_fails_in_python_naming_it():
    with pytest.raises(RuntimeError, match="got '../dist'"):
        web_pipeline(lambda: PipelineBuild.commands(commands=["make"], application_directory="../dist"))
