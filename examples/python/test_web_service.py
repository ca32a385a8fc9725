"""The Python example, synthesized against the built wheel: the pipeline, the environments, cdk-nag, no lookups."""

import json
import os

import aws_cdk as cdk
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks

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


def test_cdk_nag_finds_nothing_unacknowledged():
    app, _ = synthesized()
    # cdk-nag 3 is a validation plugin: findings fail synthesis and are written to a report.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    try:
        app.synth()
    except RuntimeError as error:
        assert "ValidationFailed" in str(error), error
    report_path = os.path.join(app.outdir, "validation-report.json")
    findings = []
    if os.path.exists(report_path):
        with open(report_path, encoding="utf-8") as report:
            findings = [
                f"{violation['ruleName']} at {construct['constructPath']}"
                for plugin in json.load(report)["pluginReports"]
                for violation in plugin["violations"]
                for construct in violation["violatingConstructs"]
            ]
    assert findings == []
