"""EnvironmentPromotion as a Python user sees it: environments as structs, approvals and windows as factories."""

import json
import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from cdk_immutable_servers import (
    AcceptedVulnerability,
    DeploymentWindow,
    EnvironmentPromotion,
    PromotionApproval,
    PromotionEnvironment,
    ReleaseRoleOptions,
    UnscannedImageAction,
    VulnerabilityPolicy,
    VulnerabilitySeverity,
)
from web_app import pipeline_with_s3_source, web_deployment, web_recipe

ENV = cdk.Environment(account="111111111111", region="eu-west-1")


def promotion_with_pipeline(environments):
    app = cdk.App()
    stack = cdk.Stack(app, "Pipeline", env=ENV)
    pipeline, baked = pipeline_with_s3_source(stack, "Baked")
    promotion = EnvironmentPromotion(stack, "Promotion", environments=environments(app))
    promotion.add_to_pipeline(pipeline, release_manifest=baked.at_path("release.json"))
    return stack, promotion


def deployment(app, name):
    return web_deployment(app, name, ENV)


def test_environments_from_python_become_pipeline_stages_with_approval_and_window():
    stack, promotion = promotion_with_pipeline(
        lambda app: [
            PromotionEnvironment(name="dev", deployment=deployment(app, "dev"), soak_period=cdk.Duration.minutes(10)),
            PromotionEnvironment(
                name="prod",
                deployment=deployment(app, "prod"),
                approval=PromotionApproval.manual(),
                deployment_window=DeploymentWindow.cron("* * 9-15 ? * MON-THU", "Europe/Berlin"),
            ),
        ]
    )

    (pipeline,) = Template.from_stack(stack).find_resources("AWS::CodePipeline::Pipeline").values()
    stages = {stage["Name"]: stage for stage in pipeline["Properties"]["Stages"]}
    assert [action["Name"] for action in stages["dev"]["Actions"]] == ["Release", "Soak"]
    assert [action["Name"] for action in stages["prod"]["Actions"]] == ["Approve", "Release"]
    assert stages["prod"]["BeforeEntry"]["Conditions"][0]["Rules"][0]["Configuration"]["TimeZone"] == "Europe/Berlin"
    assert promotion.environments[0].soak_state_machine is not None


def test_duplicate_environment_names_fail_in_python_naming_the_name():
    with pytest.raises(RuntimeError, match="got 'dev' twice"):
        promotion_with_pipeline(
            lambda app: [
                PromotionEnvironment(name="dev", deployment=deployment(app, "dev")),
                PromotionEnvironment(name="dev", deployment=deployment(app, "qa")),
            ]
        )


def test_release_role_dashboard_and_image_key_from_python():
    qa_env = cdk.Environment(account="222222222222", region="eu-west-1")
    app = cdk.App()
    pipeline_stack = cdk.Stack(app, "Pipeline", env=ENV)
    qa = web_deployment(app, "qa", qa_env, release_role=ReleaseRoleOptions(trusted_accounts=["111111111111"]))
    promotion = EnvironmentPromotion(pipeline_stack, "Promotion", environments=[PromotionEnvironment(name="qa", deployment=qa)])
    recipe = web_recipe(pipeline_stack)
    promotion.distribute_images(recipe, encryption_keys=[kms.Key(pipeline_stack, "ImageKey", enable_key_rotation=True)])

    template = Template.from_stack(pipeline_stack)
    assert qa.release_target.release_role_arn is not None
    # The release role trusts qa's release workflow role by its ARN, not the pipeline account.
    (workflow_role_arn,) = promotion.environments[0].workflow_role_arns
    assert workflow_role_arn.split("/")[-1] in json.dumps(Template.from_stack(cdk.Stack.of(qa)).to_json())
    assert len(promotion.dashboards) == 1
    # qa's workflows and dashboard are in a nested stack of the pipeline's stack.
    assert len(Template.from_stack(promotion.node.find_child("qa")).find_resources("AWS::CloudWatch::Dashboard")) == 1
    (distribution,) = template.find_resources("AWS::ImageBuilder::DistributionConfiguration").values()
    (eu_west_1,) = distribution["Properties"]["Distributions"]
    assert eu_west_1["AmiDistributionConfiguration"]["TargetAccountIds"] == ["222222222222"]
    assert "Fn::GetAtt" in eu_west_1["AmiDistributionConfiguration"]["KmsKeyId"]


def test_vulnerability_policy_from_python_is_judged_by_the_release_workflow_with_its_accepted_findings():
    policy = VulnerabilityPolicy.refuse_at_or_above(
        VulnerabilitySeverity.HIGH,
        accepted_vulnerabilities=[AcceptedVulnerability(vulnerability_id="CVE-2024-6387", reason="sshd is not reachable; SEC-1", expires="2027-03-31")],
        when_no_scan_result=UnscannedImageAction.RELEASE,
    )
    stack, promotion = promotion_with_pipeline(
        lambda app: [PromotionEnvironment(name="prod", deployment=deployment(app, "prod"), vulnerabilities=policy)]
    )

    assert policy.severity == VulnerabilitySeverity.HIGH
    assert policy.when_not_scanned == UnscannedImageAction.REFUSE
    workflows = json.dumps(Template.from_stack(cdk.Stack.of(promotion.environments[0].release_log_group)).to_json())
    assert "JudgeImageFindings" in workflows
    assert "REFUSE_AT_OR_ABOVE_HIGH" in workflows
    assert "CVE-2024-6387" in workflows and "sshd is not reachable; SEC-1" in workflows


def test_an_accepted_id_that_is_no_vulnerability_id_fails_in_python_naming_it():
    with pytest.raises(RuntimeError, match="'openssl-3.0' is not a vulnerability id Amazon Inspector reports"):
        VulnerabilityPolicy.refuse_at_or_above(
            VulnerabilitySeverity.CRITICAL, accepted_vulnerabilities=[AcceptedVulnerability(vulnerability_id="openssl-3.0", reason="Reviewed")]
        )
