// Package quickstart is the README's quick start written in Go against the Go module that
// jsii-pacmak builds from this repository (go.mod replaces the module with dist/go).
package quickstart

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-immutable-servers/cdk-immutable-servers-go/cdkimmutableservers"
)

// NewQuickStartApp builds the README's quick-start app: a pipeline stack "Web" and the
// environment stacks "Web-dev" and "Web-prod".
func NewQuickStartApp(outdir string) awscdk.App {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	stack := awscdk.NewStack(app, jsii.String("Web"), &awscdk.StackProps{Env: env})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2)})

	environment := func(name string, minCapacity float64) cdkimmutableservers.RollingAsgDeployment {
		return cdkimmutableservers.NewRollingAsgDeployment(
			awscdk.NewStack(app, jsii.String("Web-"+name), &awscdk.StackProps{Env: env}), jsii.String("Web"),
			&cdkimmutableservers.RollingAsgDeploymentProps{
				ApplicationName: jsii.String("web"),
				EnvironmentName: jsii.String(name),
				MinCapacity:     jsii.Number(minCapacity),
				Vpc:             vpc,
				InstanceType:    awsec2.NewInstanceType(jsii.String("t3.small")),
				ApplicationPort: jsii.Number(8080),
				LoadBalancing:   cdkimmutableservers.DeploymentLoadBalancing_ApplicationLoadBalancer(nil),
				HealthCheck:     &cdkimmutableservers.DeploymentHealthCheck{Path: jsii.String("/health")},
			})
	}

	cdkimmutableservers.NewImmutableAmiPipeline(stack, jsii.String("Pipeline"), &cdkimmutableservers.ImmutableAmiPipelineProps{
		Source: cdkimmutableservers.PipelineSource_Connection(&cdkimmutableservers.ConnectionSourceOptions{
			ConnectionArn: jsii.String("arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718"),
			Owner:         jsii.String("my-org"),
			Repository:    jsii.String("web"),
			Branch:        jsii.String("main"),
		}),
		ApplicationBuild: cdkimmutableservers.PipelineBuild_Commands(&cdkimmutableservers.PipelineBuildCommandsOptions{
			Commands:             jsii.Strings("npm ci", "npm test", "npm run build"),
			ApplicationDirectory: jsii.String("dist"),
		}),
		Recipe: cdkimmutableservers.NewApplicationImageRecipe(stack, jsii.String("Image"), &cdkimmutableservers.ApplicationImageRecipeProps{
			ApplicationName: jsii.String("web"),
			RuntimePackages: jsii.Strings("nodejs20"),
			StartCommand:    jsii.String("/usr/bin/node-20 /opt/web/server.js"),
			HealthCheck:     &cdkimmutableservers.ApplicationHealthCheck{Port: jsii.Number(8080), Path: jsii.String("/health")},
		}),
		Environments: &[]*cdkimmutableservers.PromotionEnvironment{
			{Name: jsii.String("dev"), Deployment: environment("dev", 1), SoakPeriod: awscdk.Duration_Minutes(jsii.Number(15))},
			{Name: jsii.String("prod"), Deployment: environment("prod", 2), Approval: cdkimmutableservers.PromotionApproval_Manual(nil)},
		},
	})
	return app
}
