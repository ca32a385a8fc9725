"""RollingAsgDeployment as a Python user sees it: factories, structs and the release target."""

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from cdk_immutable_servers import DeploymentLoadBalancing, RolloutOptions, RollingAsgDeployment


def deployment(**props):
    stack = cdk.Stack(cdk.App(), "WebProd", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    web = RollingAsgDeployment(
        stack,
        "Web",
        application_name="web",
        environment_name="prod",
        vpc=vpc,
        instance_type=ec2.InstanceType("t3.small"),
        application_port=8080,
        **props,
    )
    return stack, web


def test_release_target_struct_reaches_python_with_the_ledger_names():
    _, web = deployment(load_balancing=DeploymentLoadBalancing.application_load_balancer())

    target = web.release_target
    assert target.ami_parameter_name == "/immutable-servers/web/prod/release/ami"
    assert target.region == "eu-west-1"
    assert len(target.alarm_names) == 3
    # What a release records, so that a deployment moved to another architecture moves with it.
    assert (target.instance_type, target.architecture) == ("t3.small", ec2.InstanceArchitecture.X86_64)
    assert target.instance_type_parameter_name == "/immutable-servers/web/prod/release/instance-type"
    assert target.architecture_parameter_name == "/immutable-servers/web/prod/release/architecture"


def test_rollout_struct_from_python_reaches_the_update_policy():
    stack, _ = deployment(rollout=RolloutOptions(min_healthy_percentage=50, max_healthy_percentage=150))

    (group,) = Template.from_stack(stack).find_resources("AWS::AutoScaling::AutoScalingGroup").values()
    preferences = group["UpdatePolicy"]["AutoScalingInstanceRefresh"]["Preferences"]
    assert (preferences["MinHealthyPercentage"], preferences["MaxHealthyPercentage"]) == (50, 150)


def test_bad_capacity_error_crosses_into_python_naming_the_values():
    with pytest.raises(RuntimeError, match=r"minCapacity \(5\) must be from 0 to maxCapacity \(3\)"):
        deployment(min_capacity=5, max_capacity=3)
