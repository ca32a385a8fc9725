"""ImmutableAmiPipeline as a Python user sees it: sources and builds as factories, the whole path in one construct."""

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from aws_cdk import aws_ec2 as ec2
from cdk_immutable_servers import AmiBake, BaseImage, ImmutableAmiPipeline, PipelineBuild, PipelineSource, PromotionEnvironment
from web_app import pipeline_with_s3_source, web_deployment, web_recipe

ENV = cdk.Environment(account="111111111111", region="eu-west-1")
CONNECTION = "arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718"


def web_pipeline(build):
    app = cdk.App()
    stack = cdk.Stack(app, "Pipeline", env=ENV)
    dev = web_deployment(app, "dev", ENV)
    recipe = web_recipe(stack)
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


def test_the_bake_stage_alone_in_a_pipeline_of_the_users_from_python():
    app = cdk.App()
    stack = cdk.Stack(app, "Pipeline", env=ENV)
    pipeline, built = pipeline_with_s3_source(stack, "Built")
    bake = AmiBake(stack, "Bake", recipe=web_recipe(stack))
    release_manifest = bake.add_to_pipeline(
        pipeline, input=built, application_directory="dist", commit_id="#{Source.VersionId}", commit_message="Object version"
    )

    assert release_manifest.file_name == "release.json"
    (resource,) = Template.from_stack(stack).find_resources("AWS::CodePipeline::Pipeline").values()
    assert [action["Name"] for action in resource["Properties"]["Stages"][1]["Actions"]] == ["Package", "Bake", "Manifest"]


def test_a_recipe_per_architecture_from_python_bakes_both_and_gives_each_environment_its_own():
    app = cdk.App()
    stack = cdk.Stack(app, "Pipeline", env=ENV)
    dev = web_deployment(app, "dev", ENV, instance_type=ec2.InstanceType("t4g.small"))
    prod = web_deployment(app, "prod", cdk.Environment(account="333333333333", region="us-east-1"))
    pipeline = ImmutableAmiPipeline(
        stack,
        "Web",
        source=PipelineSource.connection(connection_arn=CONNECTION, owner="my-org", repository="web", branch="main"),
        application_build=PipelineBuild.commands(commands=["make"], application_directory="dist"),
        recipes=[web_recipe(stack), web_recipe(stack, "ArmImage", base_image=BaseImage.amazon_linux2023(ec2.InstanceArchitecture.ARM_64))],
        environments=[PromotionEnvironment(name="dev", deployment=dev), PromotionEnvironment(name="prod", deployment=prod)],
    )

    assert [recipe.base_image.architecture for recipe in pipeline.bake.recipes] == [ec2.InstanceArchitecture.X86_64, ec2.InstanceArchitecture.ARM_64]
    assert dev.release_target.architecture == ec2.InstanceArchitecture.ARM_64
    definitions = [json.dumps(machine["Properties"]["DefinitionString"]) for machine in Template.from_stack(stack).find_resources("AWS::StepFunctions::StateMachine").values()]
    (bake,) = [definition for definition in definitions if "BakeEachArchitecture" in definition]
    assert "x86_64-CreateImage" in bake and "arm64-CreateImage" in bake


def test_recipes_of_one_architecture_fail_in_python_naming_both():
    app = cdk.App()
    stack = cdk.Stack(app, "Pipeline", env=ENV)
    with pytest.raises(RuntimeError, match="both bake x86_64 images"):
        AmiBake(stack, "Bake", recipes=[web_recipe(stack), web_recipe(stack, "Other")])
