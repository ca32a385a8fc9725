"""RollingAsgDeployment as a Python user sees it: factories, structs and the release target."""

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from cdk_immutable_servers import (
    DataVolumeFileSystem,
    DataVolumeOptions,
    DeploymentLoadBalancing,
    ImageOperatingSystem,
    RolloutOptions,
    RollingAsgDeployment,
)


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


def test_data_volume_props_from_python_make_one_volume_per_slot_in_the_groups_zone():
    stack = cdk.Stack(cdk.App(), "Orders", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    RollingAsgDeployment(
        stack,
        "Orders",
        application_name="orders",
        environment_name="prod",
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, availability_zones=[vpc.availability_zones[0]]),
        instance_type=ec2.InstanceType("m7g.large"),
        application_port=8080,
        max_capacity=3,
        data_volume=DataVolumeOptions(size=cdk.Size.gibibytes(100), mount_path="/var/lib/orders", file_system=DataVolumeFileSystem.EXT4),
    )

    volumes = Template.from_stack(stack).find_resources("AWS::EC2::Volume")
    assert len(volumes) == 3
    assert {volume["Properties"]["AvailabilityZone"] for volume in volumes.values()} == {vpc.availability_zones[0]}


def test_a_windows_data_volume_from_python_is_readied_on_its_drive_letter_before_the_service_starts():
    stack, _ = deployment(
        operating_system=ImageOperatingSystem.WINDOWS,
        vpc_subnets=ec2.SubnetSelection(availability_zones=["dummy1a"]),
        max_capacity=2,
        data_volume=DataVolumeOptions(size=cdk.Size.gibibytes(20), mount_path="E:"),
    )

    (template,) = Template.from_stack(stack).find_resources("AWS::EC2::LaunchTemplate").values()
    user_data = json.dumps(template["Properties"]["LaunchTemplateData"]["UserData"])
    assert user_data.index("$driveLetter = 'E'") < user_data.index("Restart-Service")
    assert "<persist>true</persist>" in user_data
    assert len(Template.from_stack(stack).find_resources("AWS::EC2::Volume")) == 2


def test_a_data_volume_mounted_in_the_install_folder_fails_in_python_naming_it():
    with pytest.raises(RuntimeError, match="'/opt/web/data' is inside the application's install folder /opt/web"):
        deployment(
            vpc_subnets=ec2.SubnetSelection(availability_zones=["dummy1a"]),
            data_volume=DataVolumeOptions(size=cdk.Size.gibibytes(10), mount_path="/opt/web/data"),
        )
