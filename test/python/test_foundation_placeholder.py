"""Tests of the cdk_immutable_servers wheel as a Python user sees it.

They exercise the jsii translation (keyword props, snake_case names, errors crossing the
JS/Python boundary), not the construct's logic, which the TypeScript unit tests cover.
"""

import json
import re

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from cdk_immutable_servers import FoundationPlaceholder

COMPONENT = "AWS::ImageBuilder::Component"


def synth(**props):
    app = cdk.App()
    stack = cdk.Stack(app, "Stack")
    FoundationPlaceholder(stack, "Placeholder", **props)
    return Template.from_stack(stack)


def health_check_script(template):
    (component,) = template.find_resources(COMPONENT).values()
    document = json.loads(component["Properties"]["Data"])
    (step,) = document["phases"][0]["steps"]
    assert step["action"] == "ExecuteBash"
    (script,) = step["inputs"]["commands"]
    return script


def test_given_no_props_when_synthesized_then_one_linux_component_version_1_0_0():
    template = synth()

    template.resource_count_is(COMPONENT, 1)
    template.has_resource_properties(COMPONENT, {"Platform": "Linux", "Version": "1.0.0"})


def test_given_no_props_when_synthesized_then_script_probes_the_default_endpoint():
    script = health_check_script(synth())

    assert "url='http://127.0.0.1:8080/health'" in script


def test_port_and_path_from_python_reach_the_health_check_script():
    script = health_check_script(synth(health_check_port=9000, health_check_path="/ready"))

    assert "url='http://127.0.0.1:9000/ready'" in script


def test_given_path_without_leading_slash_when_constructed_then_error_names_the_path():
    with pytest.raises(RuntimeError, match=re.escape("must start with '/', got 'health'")):
        synth(health_check_path="health")


def test_given_port_out_of_range_when_constructed_then_error_names_the_port():
    with pytest.raises(RuntimeError, match=r"port must be an integer from 1 to 65535, got 70000"):
        synth(health_check_port=70000)
