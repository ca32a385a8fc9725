"""Tests of the cdk_immutable_servers wheel as a Python user sees it.

They exercise the jsii translation (keyword props, snake_case names, structs as keyword
arguments, classes with static factories, errors crossing the JS/Python boundary), not the
construct's logic, which the TypeScript unit tests cover.
"""

import json
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from cdk_immutable_servers import (
    ApplicationArtifact,
    ApplicationHealthCheck,
    ApplicationImageRecipe,
    BaseImage,
    ImageBuildStep,
    ImageDistributionTarget,
    ImageRetention,
)

COMPONENT = "AWS::ImageBuilder::Component"


def synth(stack_env=None, **props):
    stack = cdk.Stack(cdk.App(), "Stack", env=stack_env)
    artifacts = s3.Bucket.from_bucket_name(stack, "Artifacts", "artifacts")
    ApplicationImageRecipe(
        stack,
        "Image",
        application_name="web",
        artifact=ApplicationArtifact(bucket=artifacts, key="web/web-1.0.0.tar.gz"),
        start_command="/opt/web/bin/server",
        **props,
    )
    return Template.from_stack(stack)


def component_document(template):
    (component,) = template.find_resources(COMPONENT).values()
    return json.loads(component["Properties"]["Data"])


def test_given_defaults_when_synthesized_then_recipe_pipeline_and_linux_component_exist():
    template = synth()

    template.resource_count_is("AWS::ImageBuilder::ImageRecipe", 1)
    template.resource_count_is("AWS::ImageBuilder::ImagePipeline", 1)
    template.has_resource_properties(COMPONENT, {"Platform": "Linux", "Version": "1.0.0"})


def test_health_check_struct_from_python_reaches_the_test_phase():
    document = component_document(synth(health_check=ApplicationHealthCheck(port=9000, path="/ready")))

    (test_phase,) = [phase for phase in document["phases"] if phase["name"] == "test"]
    probe = [step for step in test_phase["steps"] if step["name"] == "HttpHealthCheck"][0]
    assert "url='http://127.0.0.1:9000/ready'" in probe["inputs"]["commands"][0]


def test_static_factory_with_enum_argument_selects_the_arm64_base_image():
    template = synth(base_image=BaseImage.amazon_linux2023(ec2.InstanceArchitecture.ARM_64))

    template.has_resource_properties(
        "AWS::ImageBuilder::InfrastructureConfiguration", {"InstanceTypes": ["t4g.medium"]}
    )


def test_given_path_without_leading_slash_when_constructed_then_error_names_the_path():
    with pytest.raises(RuntimeError, match=re.escape("must start with '/', got 'health'")):
        synth(health_check=ApplicationHealthCheck(port=80, path="health"))


def test_given_bash_build_step_on_windows_image_when_constructed_then_error_names_the_step():
    with pytest.raises(RuntimeError, match=re.escape("Build step 'Harden' is a bash script, which Windows images cannot run")):
        synth(
            base_image=BaseImage.windows_server2022(),
            build_steps=[ImageBuildStep.bash("Harden", ["sysctl -w net.ipv4.tcp_syncookies=1"])],
        )


def test_distribution_target_struct_from_python_reaches_the_distribution_configuration():
    template = synth(
        stack_env=cdk.Environment(account="999999999999", region="us-east-1"),
        distribution_targets=[ImageDistributionTarget(region="eu-west-1", copy_to_accounts=["111111111111"])],
    )

    (distribution,) = template.find_resources("AWS::ImageBuilder::DistributionConfiguration").values()
    (copy,) = [d for d in distribution["Properties"]["Distributions"] if d["Region"] == "eu-west-1"]
    assert copy["AmiDistributionConfiguration"]["TargetAccountIds"] == ["111111111111"]


def test_retention_factory_from_python_sets_the_lifecycle_policy_count():
    template = synth(image_retention=ImageRetention.count(5))

    (policy,) = template.find_resources("AWS::ImageBuilder::LifecyclePolicy").values()
    assert policy["Properties"]["PolicyDetails"][0]["Filter"] == {"Type": "COUNT", "Value": 5}


def test_components_for_artifact_returns_structs_python_can_read():
    stack = cdk.Stack(cdk.App(), "Stack")
    recipe = ApplicationImageRecipe(
        stack,
        "Image",
        application_name="web",
        artifact=ApplicationArtifact(bucket=s3.Bucket.from_bucket_name(stack, "Artifacts", "artifacts"), key="web.tar.gz"),
        start_command="/opt/web/bin/server",
    )

    components = recipe.components_for_artifact("s3://pipeline-artifacts/build-7.zip")

    assert components[-1].parameters[0].name == "ArtifactS3Uri"
    assert components[-1].parameters[0].value == ["s3://pipeline-artifacts/build-7.zip"]
