import { existsSync, readFileSync } from 'fs';
import { extname } from 'path';
import { ImageOperatingSystem } from './base-image';
import { BoundBuildStep } from './private/image/build-steps';

const STEP_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const MANAGED_COMPONENT_NAME = /^[a-z0-9][a-z0-9-]{0,125}$/;
const VERSION_PATTERN = /^(\d+|x)\.(\d+|x)\.(\d+|x)$/;
const SCRIPT_LANGUAGES: Record<ImageOperatingSystem, { language: string; factory: string }> = {
  [ImageOperatingSystem.LINUX]: { language: 'bash', factory: 'bash' },
  [ImageOperatingSystem.WINDOWS]: { language: 'PowerShell', factory: 'powerShell' },
};

/**
 * A step of the image build that runs before the application is installed: a script, or an
 * AWS-managed Image Builder component. Steps run in the order given.
 *
 * Consecutive script steps form one component of the recipe, named after its content, so that
 * changing a script replaces the component without a manual version bump.
 */
export class ImageBuildStep {
  /**
   * Bash commands, for Linux images. They run as root with `set -euo pipefail`.
   *
   * @param name step name: letters, digits, `_` and `-`
   * @param commands lines of the script
   */
  public static bash(name: string, commands: string[]): ImageBuildStep {
    return ImageBuildStep.script(name, ImageOperatingSystem.LINUX, commands);
  }

  /**
   * PowerShell commands, for Windows images. They run with `$ErrorActionPreference = 'Stop'`.
   *
   * @param name step name: letters, digits, `_` and `-`
   * @param commands lines of the script
   */
  public static powerShell(name: string, commands: string[]): ImageBuildStep {
    return ImageBuildStep.script(name, ImageOperatingSystem.WINDOWS, commands);
  }

  /**
   * A script file, read when the app is synthesized: `.sh` runs as bash on Linux images, `.ps1`
   * as PowerShell on Windows images.
   *
   * @param name step name: letters, digits, `_` and `-`
   * @param path path of the file
   */
  public static scriptFile(name: string, path: string): ImageBuildStep {
    const operatingSystem = scriptOperatingSystem(path);
    const lines = readFileSync(path, 'utf8').split(/\r?\n/);
    // The step brings its own preamble; a second shebang further down would be a mistake.
    return ImageBuildStep.script(name, operatingSystem, lines[0]?.startsWith('#!') ? lines.slice(1) : lines);
  }

  /**
   * A script file uploaded as an S3 asset, which the build instance downloads and runs: for
   * scripts too long to inline (component documents hold at most 16,000 characters). `.sh` runs
   * with bash on Linux images, `.ps1` with PowerShell on Windows images; a non-zero exit fails the
   * build. The build instances may read this asset's key only.
   *
   * @param name step name: letters, digits, `_` and `-`
   * @param path path of the file
   */
  public static scriptAsset(name: string, path: string): ImageBuildStep {
    validateStepName(name);
    const operatingSystem = scriptOperatingSystem(path);
    if (!existsSync(path)) {
      throw new Error(`Build step '${name}': script file ${path} does not exist`);
    }
    return new ImageBuildStep({ scriptAsset: { name, operatingSystem, path } });
  }

  /**
   * An AWS-managed Image Builder component, for example `aws-cli-version-2-linux`,
   * `amazon-corretto-21-headless` or `powershell-windows`.
   *
   * @param componentName name of the component
   * @param version version pattern, `x` matching the newest
   * @default version 'x.x.x'
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/toe-managed-components.html
   */
  public static awsManagedComponent(componentName: string, version: string = 'x.x.x'): ImageBuildStep {
    if (!MANAGED_COMPONENT_NAME.test(componentName)) {
      throw new Error(`AWS-managed component names are lowercase letters, digits and '-', got '${componentName}'`);
    }
    if (!VERSION_PATTERN.test(version)) {
      throw new Error(`Component version must look like '1.0.x' or 'x.x.x', got '${version}' (component ${componentName})`);
    }
    return new ImageBuildStep({ managedComponent: { name: componentName, version } });
  }

  private static script(name: string, operatingSystem: ImageOperatingSystem, commands: string[]): ImageBuildStep {
    validateStepName(name);
    if (commands.every((line) => line.trim() === '')) {
      throw new Error(`Build step '${name}' has no commands`);
    }
    return new ImageBuildStep({ script: { name, operatingSystem, commands } });
  }

  private constructor(private readonly definition: BoundBuildStep) {}

  /**
   * The step as the recipe uses it, after checking that it can run on the image.
   *
   * @internal
   */
  public _bind(operatingSystem: ImageOperatingSystem): BoundBuildStep {
    const script = this.definition.script ?? this.definition.scriptAsset;
    if (script && script.operatingSystem !== operatingSystem) {
      throw new Error(`Build step '${script.name}' is a ${SCRIPT_LANGUAGES[script.operatingSystem].language} script, which ${operatingSystem} images cannot run; use ImageBuildStep.${SCRIPT_LANGUAGES[operatingSystem].factory}`);
    }
    const managed = this.definition.managedComponent;
    const otherPlatform = operatingSystem === ImageOperatingSystem.LINUX ? '-windows' : '-linux';
    if (managed?.name.endsWith(otherPlatform)) {
      throw new Error(`AWS-managed component '${managed.name}' is for ${otherPlatform.slice(1)} images; this image runs ${operatingSystem}`);
    }
    return this.definition;
  }
}

function validateStepName(name: string): void {
  if (!STEP_NAME.test(name)) {
    throw new Error(`Build step names are 1 to 128 letters, digits, '_' or '-', got '${name}'`);
  }
}

/** `.sh` scripts run on Linux, `.ps1` scripts on Windows. */
function scriptOperatingSystem(path: string): ImageOperatingSystem {
  const extension = extname(path).toLowerCase();
  if (extension === '.sh') return ImageOperatingSystem.LINUX;
  if (extension === '.ps1') return ImageOperatingSystem.WINDOWS;
  throw new Error(`Script file ${path} must end in .sh (bash, Linux) or .ps1 (PowerShell, Windows), got '${extension}'`);
}
