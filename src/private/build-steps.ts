import { ImageOperatingSystem } from '../base-image';

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

/** One step of an image build, as the recipe consumes it: exactly one of the two is set. */
export interface BoundBuildStep {
  readonly script?: ScriptStep;
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
 * Groups steps in their order: consecutive scripts share one component (a recipe holds at most
 * 20 components), and each managed component stays its own.
 */
export function groupBuildSteps(steps: BoundBuildStep[]): RecipeStepGroup[] {
  const groups: RecipeStepGroup[] = [];
  for (const step of steps) {
    const last = groups[groups.length - 1];
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
