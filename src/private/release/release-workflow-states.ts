import { aws_stepfunctions as sfn, aws_stepfunctions_tasks as tasks } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ReleaseTarget } from '../../release-target';
import { explainFailure, failAsExplained, sdkCall } from '../shared/sdk-call';

/**
 * The fields of a release, as the execution names them, and the ledger parameter that holds each:
 * the instance type and architecture are the target's, the others come from the input.
 */
export function releaseFields(target: ReleaseTarget): string[] {
  const base = ['amiId', 'version', 'commitId', 'commitMessage', 'pipelineExecutionId', 'contentHash', 'fingerprint'];
  return recordsInstanceType(target) ? [...base, 'instanceType', 'architecture'] : base;
}

/** The ledger's parameter names, in the order of `releaseFields`. */
export function ledgerNames(target: ReleaseTarget): string[] {
  const base = [target.amiParameterName, target.versionParameterName, target.commitIdParameterName, target.commitMessageParameterName,
    target.pipelineExecutionIdParameterName, target.contentHashParameterName, target.fingerprintParameterName];
  return recordsInstanceType(target) ? [...base, target.instanceTypeParameterName, target.architectureParameterName] : base;
}

/** Whether releases record the target's instance type and architecture in its ledger. */
export function recordsInstanceType(target: ReleaseTarget): target is ReleaseTarget & Required<Pick<ReleaseTarget,
'instanceType' | 'architecture' | 'instanceTypeParameterName' | 'architectureParameterName'>> {
  return target.instanceTypeParameterName !== undefined;
}

/** Makes the states every part of the release workflow uses: target-side calls and failures. */
export class ReleaseStates {
  /** Where an operator looks when a release fails. */
  public readonly where: string;

  constructor(public readonly scope: Construct, public readonly target: ReleaseTarget, private readonly credentials?: sfn.Credentials) {
    this.where = `Look at the events of stack ${target.stackName} in the CloudFormation console of account ${target.account}, `
      + `region ${target.region}, and at the instance refresh history of its Auto Scaling group.`;
  }

  /** A target-side SDK call, with the release role's credentials when one is given, retried when throttled. */
  public call(id: string, service: string, action: string, parameters: Record<string, unknown>, resultPath: string,
    resultSelector?: Record<string, unknown>): tasks.CallAwsService {
    return sdkCall(this.scope, id, { service, action, parameters, resultPath, resultSelector, credentials: this.credentials });
  }

  /** A `describeStacks` of the target stack. */
  public describeStack(id: string, resultPath: string, resultSelector: Record<string, unknown>): tasks.CallAwsService {
    return this.call(id, 'cloudformation', 'describeStacks', { StackName: this.target.stackName }, resultPath, resultSelector);
  }

  /** Sets `$.failure` to an error and a cause composed from the execution's data. */
  public explain(id: string, error: string, template: string, ...paths: string[]): sfn.Pass {
    return explainFailure(this.scope, id, error, template, ...paths);
  }

  /** Ends the execution with the error and cause in `$.failure`. */
  public fail(id: string): sfn.Fail {
    return failAsExplained(this.scope, id);
  }
}
