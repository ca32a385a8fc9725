"""The Python example, synthesized against the built wheel: the pipeline, the environments, no lookups."""

import json
import os

import aws_cdk as cdk
from aws_cdk.assertions import Annotations, Match, Template

from web_service import create_web_service_app


def synthesized():
    app = create_web_service_app(cdk.App())
    return app, {stack.stack_name: stack for stack in app.node.children if isinstance(stack, cdk.Stack)}


def test_the_pipeline_builds_bakes_and_promotes_dev_qa_prod():
    _, stacks = synthesized()
    pipeline = Template.from_stack(stacks["WebPipeline"]).find_resources("AWS::CodePipeline::Pipeline")
    stages = next(iter(pipeline.values()))["Properties"]["Stages"]

    assert [stage["Name"] for stage in stages] == ["Source", "Build", "Bake", "dev", "qa", "prod"]
    actions = {stage["Name"]: [action["Name"] for action in stage["Actions"]] for stage in stages}
    assert actions["dev"] == ["Release", "Soak"]
    assert actions["qa"] == ["Approve", "Release", "Soak"]
    assert "Europe/Berlin" in json.dumps(stages[-1]["BeforeEntry"])


def test_each_environment_is_load_balanced_and_only_prod_has_break_glass():
    _, stacks = synthesized()
    for name in ["dev", "qa", "prod"]:
        template = Template.from_stack(stacks[f"Web-{name}"])
        template.resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 1)
        break_glass = [role for role in template.find_resources("AWS::IAM::Role") if "BreakGlass" in role]
        assert (name, bool(break_glass)) == (name, name == "prod")


def test_synthesis_needs_no_aws_account():
    app, stacks = synthesized()

    for stack in stacks.values():
        assert Annotations.from_stack(stack).find_error("*", Match.any_value()) == []
    # A context lookup (which needs an account) would be listed as missing in the manifest.
    with open(os.path.join(app.synth().directory, "manifest.json"), encoding="utf-8") as manifest:
        assert "missing" not in json.load(manifest)
