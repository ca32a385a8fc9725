import { ImageOperatingSystem } from '../../base-image';

export interface ScriptStep {
  readonly name: string;
  readonly operatingSystem: ImageOperatingSystem;
  readonly commands: string[];
}

export interface ManagedComponentStep {
  readonly name: string;
  /** Version pattern, `x` matching the newest. */
  readonly version: string;
}

/** A script file that the recipe uploads as an S3 asset and the build instance downloads and runs. */
export interface ScriptAssetStep {
  readonly name: string;
  readonly operatingSystem: ImageOperatingSystem;
  readonly path: string;
}

/** One step of an image build, as the recipe consumes it: exactly one of the three is set. */
export interface BoundBuildStep {
  readonly script?: ScriptStep;
  readonly scriptAsset?: ScriptAssetStep;
  readonly managedComponent?: ManagedComponentStep;
}

/** A run of consecutive script steps (one component), or one AWS-managed component. */
export type RecipeStepGroup = { readonly scripts: ScriptStep[] } | { readonly managedComponent: ManagedComponentStep };

export const SCRIPT_ACTIONS: Record<ImageOperatingSystem, string> = {
  [ImageOperatingSystem.LINUX]: 'ExecuteBash',
  [ImageOperatingSystem.WINDOWS]: 'ExecutePowerShell',
};

/** The script preamble that makes a failing command fail the step. */
export const SCRIPT_PREAMBLES: Record<ImageOperatingSystem, string[]> = {
  [ImageOperatingSystem.LINUX]: ['#!/bin/bash', 'set -euo pipefail'],
  [ImageOperatingSystem.WINDOWS]: ["$ErrorActionPreference = 'Stop'"],
};

/**
 * The script step that downloads an uploaded script and runs it, failing when it fails.
 *
 * @param bucketName the asset's bucket (a token until deploy)
 * @param objectKey the asset's key, named after its content
 */
export function scriptAssetRunner(step: ScriptAssetStep, bucketName: string, objectKey: string): ScriptStep {
  const commands = step.operatingSystem === ImageOperatingSystem.LINUX
    ? [
      'script="$(mktemp)"',
      `aws s3 cp 's3://${bucketName}/${objectKey}' "$script"`,
      'bash "$script"',
      'rm -f "$script"',
    ]
    : [
      `$script = Join-Path ([IO.Path]::GetTempPath()) '${objectKey}'`,
      `Read-S3Object -BucketName '${bucketName}' -Key '${objectKey}' -File $script | Out-Null`,
      // A child process, so that the script's own `exit` ends it and not this step.
      'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $script',
      `if ($LASTEXITCODE -ne 0) { throw "Build step ${step.name} failed with exit code $LASTEXITCODE" }`,
      'Remove-Item -Path $script -Force',
    ];
  return { name: step.name, operatingSystem: step.operatingSystem, commands };
}

/**
 * Groups steps in their order: consecutive scripts share one component (a recipe holds at most
 * 20 components), and each managed component stays its own.
 */
export function groupBuildSteps(steps: BoundBuildStep[]): RecipeStepGroup[] {
  const groups: RecipeStepGroup[] = [];
  for (const step of steps) {
    const last = groups[groups.length - 1];
    if (step.scriptAsset) {
      throw new Error(`Build step '${step.scriptAsset.name}' must be uploaded before its steps are grouped`);
    }
    if (step.script && last && 'scripts' in last) {
      last.scripts.push(step.script);
    } else if (step.script) {
      groups.push({ scripts: [step.script] });
    } else if (step.managedComponent) {
      groups.push({ managedComponent: step.managedComponent });
    }
  }
  return groups;
}

/** The script of a step, with the preamble of its operating system. */
export function scriptText(step: ScriptStep): string {
  return [...SCRIPT_PREAMBLES[step.operatingSystem], ...step.commands, ''].join('\n');
}
