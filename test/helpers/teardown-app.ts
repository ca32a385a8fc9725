import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, CfnElement, RemovalPolicy, Size, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_logs as logs, aws_s3 as s3 } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { BUILD, WORKLOAD, WORKLOAD_ACCOUNT } from './teardown-accounts';
import { ApplicationImageRecipe, RollingAsgDeployment } from '../../src';


export interface TeardownApp {
  /** The synthesized assembly. */
  readonly directory: string;
  /** The recipe's image group: its distribution configuration's name, the prefix of its Image Builder names. */
  readonly group: string;
  /** The recipe's name, which its images carry. */
  readonly recipeName: string;
  readonly pipelineStack: string;
  readonly environmentStack: string;
  readonly ledgerStack: string;
  /** Logical ids of what the stacks retain when they are deleted, the library's and the app's own. */
  readonly retained: {
    /** The recipe's build logs bucket. */
    readonly buildLogs: string;
    /** The deployment's log group and its break-glass session logs' key. */
    readonly environmentLogs: string;
    readonly sessionLogKey: string;
    /** The deployment's data volume of slot 1. */
    readonly dataVolume: string;
    /** The app's own volume in the environment's stack, beside the deployment's. */
    readonly userVolume: string;
    /** The app's own, beside the recipe: a data bucket, a log group and a key. */
    readonly userBucket: string;
    readonly userLogGroup: string;
    readonly userKey: string;
  };
}

/**
 * The `web` application across two accounts and regions, synthesized into a temporary directory:
 * its recipe in the build account, copying each AMI into the workload account's us-east-1 and
 * pointing `/web/latest-ami` at it; its `prod` environment in the workload account, with break-glass
 * access and a data volume per slot (retained). Beside the recipe and the deployment, the app keeps
 * resources of its own that their stacks retain.
 */
export function synthesizeTeardownApp(): TeardownApp {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'teardown-app-')) });
  const pipeline = new Stack(app, 'WebPipeline', { env: BUILD });
  const recipe = new ApplicationImageRecipe(pipeline, 'Image', {
    applicationName: 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(pipeline, 'Artifacts', 'artifacts'), key: 'web/web-1.0.0.tar.gz' },
    startCommand: '/opt/web/bin/server',
    amiIdParameterName: '/web/latest-ami',
    distributionTargets: [{ region: WORKLOAD.region, copyToAccounts: [WORKLOAD_ACCOUNT] }],
  });
  const userBucket = new s3.Bucket(pipeline, 'Data');
  const userLogGroup = new logs.LogGroup(pipeline, 'AppLogs');
  const userKey = new kms.Key(pipeline, 'DataKey');
  const environment = new Stack(app, 'Web-prod', { env: WORKLOAD });
  const vpc = new ec2.Vpc(environment, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const deployment = new RollingAsgDeployment(environment, 'Web', {
    applicationName: 'web',
    environmentName: 'prod',
    vpc,
    vpcSubnets: { subnets: [vpc.privateSubnets[0]] },
    instanceType: new ec2.InstanceType('t3.small'),
    applicationPort: 8080,
    breakGlass: { principals: [new iam.AccountRootPrincipal()] },
    dataVolume: { size: Size.gibibytes(20), mountPath: '/var/lib/web' },
  });
  const userVolume = new ec2.Volume(environment, 'Scratch', {
    availabilityZone: vpc.privateSubnets[0].availabilityZone,
    size: Size.gibibytes(1),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const assembly = app.synth();
  return {
    directory: assembly.directory,
    group: Object.values(recipe.imageTags)[0],
    recipeName: recipe.imageRecipeName,
    pipelineStack: pipeline.stackName,
    environmentStack: environment.stackName,
    ledgerStack: deployment.ledgerStack.stackName,
    retained: {
      buildLogs: logicalIdOf(recipe.node.findChild('BuildLogs')),
      environmentLogs: logicalIdOf(deployment.node.findChild('Logs')),
      sessionLogKey: logicalIdOf(deployment.node.findAll().find((construct) => construct instanceof kms.Key)!),
      dataVolume: logicalIdOf(deployment.node.findAll().find((construct) => construct instanceof ec2.CfnVolume)!),
      userVolume: logicalIdOf(userVolume),
      userBucket: logicalIdOf(userBucket),
      userLogGroup: logicalIdOf(userLogGroup),
      userKey: logicalIdOf(userKey),
    },
  };
}

function logicalIdOf(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild as CfnElement;
  return Stack.of(construct).resolve(element.logicalId);
}
