import { Aws, Lazy, Stack, Stage, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeNagFinding } from '../nag/nag-acknowledgement';
import { markLibraryConstruct } from '../shared/library-construct';

/** The role Image Builder assumes in an account to copy AMIs into it: Image Builder fixes its name. */
export const DISTRIBUTION_ROLE_NAME = 'EC2ImageBuilderDistributionCrossAccountRole';
/** The role Image Builder assumes in an account to retire the copies there for a lifecycle policy: its name is fixed too. */
export const LIFECYCLE_ROLE_NAME = 'Ec2ImageBuilderCrossAccountLifecycleAccess';
/** The service-linked role Image Builder copies AMIs with, in the account that builds them. */
export const IMAGE_BUILDER_SERVICE_ROLE = 'aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder';

const DISTRIBUTION_POLICY = 'Ec2ImageBuilderCrossAccountDistributionAccess';
const LIFECYCLE_POLICY = 'service-role/EC2ImageBuilderLifecycleExecutionPolicy';
/** The KMS actions Image Builder's copies need on a key of the build account, as Image Builder documents them. */
const COPY_KEY_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'];

/**
 * What Image Builder needs in an account it copies AMIs into from builds in other accounts: the
 * distribution role it copies with and the lifecycle role it retires the copies with. Image
 * Builder looks both up by name, so the app has one stack of them per account, trusting every
 * build account whose recipes distribute there, and each only through Image Builder: the
 * distribution role only the build accounts' Image Builder service-linked role, the lifecycle
 * role only the service, on behalf of those accounts' images.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html
 */
export class ImageBuilderAccountRoles extends Construct {
  /**
   * The roles of `account`, in their stack (`ImageBuilderAccess-<account>` in the build stack's
   * stage, made in `region` the first time). The build stack deploys after it.
   */
  public static in(build: Stack, account: string, region: string): ImageBuilderAccountRoles {
    const stage = Stage.of(build) ?? build.node.root;
    const id = `ImageBuilderAccess-${account}`;
    const stack = stage.node.tryFindChild(id) as Stack | undefined ?? markLibraryConstruct(new Stack(stage, id, {
      env: { account, region },
      description: `Roles EC2 Image Builder needs in account ${account} to copy AMIs of other accounts into it and to retire them`,
    }), 'Image Builder account roles stack');
    build.addStackDependency(stack, `Image Builder copies AMIs into account ${account} with the roles of this stack`);
    return stack.node.tryFindChild('Roles') as ImageBuilderAccountRoles | undefined ?? new ImageBuilderAccountRoles(stack, 'Roles');
  }

  private readonly distribution: iam.CfnRole;
  private readonly buildAccounts = new Set<string>();
  /** The regions, by build account, of the keys that encrypt copies into this account. */
  private readonly keyRegions = new Map<string, Set<string>>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const distribution = new iam.CfnRole(this, 'Distribution', {
      roleName: DISTRIBUTION_ROLE_NAME,
      description: 'EC2 Image Builder of the build accounts its trust policy names copies AMIs into this account',
      assumeRolePolicyDocument: Lazy.any({ produce: () => this.distributionTrust() }),
      managedPolicyArns: [managedPolicyArn(DISTRIBUTION_POLICY)],
      policies: Lazy.any({ produce: () => this.copyKeyPolicies() }, { omitEmptyArray: true }),
    });
    const lifecycle = new iam.CfnRole(this, 'Lifecycle', {
      roleName: LIFECYCLE_ROLE_NAME,
      description: 'EC2 Image Builder retires AMIs it copied into this account, for the lifecycle policies of the build accounts its trust policy names',
      assumeRolePolicyDocument: Lazy.any({ produce: () => this.lifecycleTrust() }),
      managedPolicyArns: [managedPolicyArn(LIFECYCLE_POLICY)],
    });
    acknowledgeNagFinding(distribution, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${DISTRIBUTION_POLICY}]`,
      'The AWS-managed policy Image Builder documents for the role it copies AMIs into an account with');
    acknowledgeNagFinding(lifecycle, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${LIFECYCLE_POLICY}]`,
      'The AWS-managed policy Image Builder documents for the role its lifecycle policies act in another account with; it acts on Image Builder\'s AMIs only');
    this.distribution = distribution;
  }

  /**
   * Trusts a build account's Image Builder, and lets its copies into this account be encrypted
   * with its keys of `keyRegion`.
   */
  public trustBuildAccount(account: string, keyRegion?: string): void {
    this.buildAccounts.add(account);
    if (keyRegion !== undefined && !this.keyRegions.get(account)?.has(keyRegion)) {
      if (this.keyRegions.size === 0) {
        for (const action of COPY_KEY_ACTIONS.filter((candidate) => candidate.endsWith('*'))) {
          acknowledgeNagFinding(this.distribution, `AwsSolutions-IAM5[Action::${action}]`,
            'The KMS actions Image Builder documents for the role it copies encrypted AMIs into an account with, on the build account\'s keys only');
        }
      }
      this.keyRegions.set(account, new Set([...this.keyRegions.get(account) ?? [], keyRegion]));
      acknowledgeNagFinding(this.distribution, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:${keyRegion}:${account}:key/*]`,
        'The build account\'s keys of the region that encrypt its copies: the key policies, in the build account, name which key this account may use');
    }
  }

  private distributionTrust(): unknown {
    const accounts = [...this.buildAccounts];
    return policyDocument([{
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: accounts.map((account) => `arn:${Aws.PARTITION}:iam::${account}:root`) },
      Condition: { ArnEquals: { 'aws:PrincipalArn': accounts.map((account) => `arn:${Aws.PARTITION}:iam::${account}:role/${IMAGE_BUILDER_SERVICE_ROLE}`) } },
    }]);
  }

  private lifecycleTrust(): unknown {
    const accounts = [...this.buildAccounts];
    return policyDocument([{
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { Service: 'imagebuilder.amazonaws.com' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': accounts },
        ArnLike: { 'aws:SourceArn': accounts.map((account) => `arn:${Aws.PARTITION}:imagebuilder:*:${account}:image/*/*/*`) },
      },
    }]);
  }

  private copyKeyPolicies(): iam.CfnRole.PolicyProperty[] {
    const keys = [...this.keyRegions].flatMap(([account, regions]) => [...regions].map((region) => `arn:${Aws.PARTITION}:kms:${region}:${account}:key/*`));
    return keys.length === 0 ? [] : [{
      policyName: 'EncryptedCopies',
      policyDocument: policyDocument([{ Effect: 'Allow', Action: COPY_KEY_ACTIONS, Resource: keys }]),
    }];
  }
}

function policyDocument(statements: unknown[]): unknown {
  return { Version: '2012-10-17', Statement: statements };
}

function managedPolicyArn(name: string): string {
  return `arn:${Aws.PARTITION}:iam::aws:policy/${name}`;
}
