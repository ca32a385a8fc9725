"""The `web` service end to end, in Python: the TypeScript example's app (see ../typescript/README.md).

A VPC, three load-balanced environments (dev, qa, prod with break-glass) and the pipeline that
bakes every change to the service (../typescript/service) into an AMI and promotes it through them:
dev soaks; qa and prod wait for an approval each; prod's stage (its approval request) starts only inside its weekday window,
and prod refuses images with high or critical findings.
"""

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_immutable_servers import (
    ApplicationHealthCheck,
    ApplicationImageRecipe,
    BreakGlassOptions,
    DeploymentLoadBalancing,
    DeploymentHealthCheck,
    DeploymentWindow,
    ImmutableAmiPipeline,
    PipelineBuild,
    PipelineSource,
    PromotionApproval,
    PromotionEnvironment,
    RollingAsgDeployment,
    RolloutOptions,
    VulnerabilityPolicy,
    VulnerabilitySeverity,
)

# Placeholders that let the app synthesize anywhere; deploy with `-c account=... -c region=...` and the other context values.
DEFAULTS = {
    "account": "111111111111",
    "region": "eu-west-1",
    "connectionArn": "arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "repository": "my-org/web",
}


class NetworkStack(cdk.Stack):
    """One VPC for the three environments: two zones, one NAT gateway, flow logs."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=1)
        self.vpc.add_flow_log("FlowLogs")

    @property
    def availability_zones(self):
        # The region's first two zones, resolved by CloudFormation at deploy time, so that synthesis
        # needs no AWS account (for a stack with a literal account and region, the default looks them up).
        return [cdk.Fn.select(index, cdk.Fn.get_azs()) for index in range(2)]


class WebEnvironmentStack(cdk.Stack):
    """One environment: a load-balanced group that runs the AMI its release ledger names."""

    def __init__(self, scope: Construct, construct_id: str, *, environment_name: str, vpc: ec2.IVpc, min_capacity: int,
                 break_glass_principals=None, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.deployment = RollingAsgDeployment(
            self,
            "Web",
            application_name="web",
            environment_name=environment_name,
            vpc=vpc,
            instance_type=ec2.InstanceType("t3.small"),
            application_port=8080,
            min_capacity=min_capacity,
            load_balancing=DeploymentLoadBalancing.application_load_balancer(),
            health_check=DeploymentHealthCheck(path="/health"),
            # Written to /etc/web/environment by each instance at boot: the image is the same everywhere.
            environment={"ENVIRONMENT": environment_name, "GREETING": f"Hello from {environment_name}"},
            rollout=RolloutOptions(bake_time=cdk.Duration.minutes(5)),
            break_glass=BreakGlassOptions(principals=break_glass_principals) if break_glass_principals else None,
        )
        cdk.CfnOutput(self, "Url", description=f"The {environment_name} environment's load balancer", value=self.deployment.url)


class WebPipelineStack(cdk.Stack):
    """Commit to production: build (the service's buildspec), bake only on change, promote the same AMI."""

    def __init__(self, scope: Construct, construct_id: str, *, connection_arn: str, repository: str,
                 environments: list, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        recipe = ApplicationImageRecipe(
            self,
            "WebImage",
            application_name="web",
            # No artifact: the pipeline bakes each build's archive.
            runtime_packages=["nodejs20"],
            start_command="/usr/bin/node-20 /opt/web/server.js",
            health_check=ApplicationHealthCheck(port=8080, path="/health"),
            # Amazon Inspector (activated in the account) scans each image; each environment's
            # vulnerability policy judges what it found before a release.
            vulnerability_scanning=True,
        )
        owner, name = repository.split("/")
        self.pipeline = ImmutableAmiPipeline(
            self,
            "Pipeline",
            source=PipelineSource.connection(connection_arn=connection_arn, owner=owner, repository=name, branch="main"),
            application_build=PipelineBuild.build_spec_file(application_directory="dist"),
            recipe=recipe,
            environments=environments,
            # Weekly: bakes the newest patched Amazon Linux under the released code; releases only if it changed.
            patch_rebuild_schedule=events.Schedule.cron(week_day="SUN", hour="2", minute="0"),
        )


def create_web_service_app(app: cdk.App = None) -> cdk.App:
    app = app or cdk.App()

    def context(name):
        return app.node.try_get_context(name) or DEFAULTS[name]

    env = cdk.Environment(account=context("account"), region=context("region"))
    vpc = NetworkStack(app, "WebNetwork", env=env).vpc

    def environment(name, min_capacity, break_glass_principals=None):
        return WebEnvironmentStack(app, f"Web-{name}", env=env, environment_name=name, vpc=vpc, min_capacity=min_capacity,
                                   break_glass_principals=break_glass_principals).deployment

    WebPipelineStack(
        app,
        "WebPipeline",
        env=env,
        connection_arn=context("connectionArn"),
        repository=context("repository"),
        environments=[
            PromotionEnvironment(name="dev", deployment=environment("dev", 1), soak_period=cdk.Duration.minutes(15)),
            PromotionEnvironment(name="qa", deployment=environment("qa", 1), approval=PromotionApproval.manual(),
                                 soak_period=cdk.Duration.minutes(30)),
            PromotionEnvironment(
                name="prod",
                # Identities of this account that IAM lets assume the break-glass role (with MFA).
                deployment=environment("prod", 2, [iam.AccountRootPrincipal()]),
                approval=PromotionApproval.manual(),
                deployment_window=DeploymentWindow.cron("* * 9-15 ? * MON-THU", "Europe/Berlin"),
                soak_period=cdk.Duration.hours(1),
                # No image with a high or critical finding that the app does not accept, nor one without a scan result.
                vulnerabilities=VulnerabilityPolicy.refuse_at_or_above(VulnerabilitySeverity.HIGH),
            ),
        ],
    )
    return app
