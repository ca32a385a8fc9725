package dev.cdkimmutableservers.quickstart;

import dev.cdkimmutableservers.ApplicationHealthCheck;
import dev.cdkimmutableservers.ApplicationImageRecipe;
import dev.cdkimmutableservers.ConnectionSourceOptions;
import dev.cdkimmutableservers.DeploymentHealthCheck;
import dev.cdkimmutableservers.DeploymentLoadBalancing;
import dev.cdkimmutableservers.ImmutableAmiPipeline;
import dev.cdkimmutableservers.PipelineBuild;
import dev.cdkimmutableservers.PipelineBuildCommandsOptions;
import dev.cdkimmutableservers.PipelineSource;
import dev.cdkimmutableservers.PromotionApproval;
import dev.cdkimmutableservers.PromotionEnvironment;
import dev.cdkimmutableservers.RollingAsgDeployment;
import java.util.List;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.Vpc;

/** The README's quick start in Java: a pipeline stack "Web" and the environment stacks "Web-dev" and "Web-prod". */
public final class QuickStart {
    private QuickStart() {
    }

    public static App create(String outdir) {
        App app = new App(AppProps.builder().outdir(outdir).build());
        Environment env = Environment.builder().account("111111111111").region("eu-west-1").build();
        Stack stack = new Stack(app, "Web", StackProps.builder().env(env).build());
        Vpc vpc = Vpc.Builder.create(stack, "Vpc").maxAzs(2).build();

        ImmutableAmiPipeline.Builder.create(stack, "Pipeline")
            .source(PipelineSource.connection(ConnectionSourceOptions.builder()
                .connectionArn("arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718")
                .owner("my-org").repository("web").branch("main")
                .build()))
            .applicationBuild(PipelineBuild.commands(PipelineBuildCommandsOptions.builder()
                .commands(List.of("npm ci", "npm test", "npm run build"))
                .applicationDirectory("dist")
                .build()))
            .recipe(ApplicationImageRecipe.Builder.create(stack, "Image")
                .applicationName("web")
                .runtimePackages(List.of("nodejs20"))
                .startCommand("/usr/bin/node-20 /opt/web/server.js")
                .healthCheck(ApplicationHealthCheck.builder().port(8080).path("/health").build())
                .build())
            .environments(List.of(
                PromotionEnvironment.builder().name("dev").deployment(environment(app, env, vpc, "dev", 1))
                    .soakPeriod(Duration.minutes(15)).build(),
                PromotionEnvironment.builder().name("prod").deployment(environment(app, env, vpc, "prod", 2))
                    .approval(PromotionApproval.manual()).build()))
            .build();
        return app;
    }

    private static RollingAsgDeployment environment(App app, Environment env, Vpc vpc, String name, int minCapacity) {
        return RollingAsgDeployment.Builder.create(new Stack(app, "Web-" + name, StackProps.builder().env(env).build()), "Web")
            .applicationName("web")
            .environmentName(name)
            .minCapacity(minCapacity)
            .vpc(vpc)
            .instanceType(new InstanceType("t3.small"))
            .applicationPort(8080)
            .loadBalancing(DeploymentLoadBalancing.applicationLoadBalancer())
            .healthCheck(DeploymentHealthCheck.builder().path("/health").build())
            .build();
    }
}
