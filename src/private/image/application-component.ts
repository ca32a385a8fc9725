import { SCRIPT_ACTIONS } from './build-steps';
import { ComponentStep, renderComponentDocument } from './component-document';
import { ImageOperatingSystem } from '../../base-image';
import { HttpHealthCheck, renderHttpHealthCheckScript } from '../instances/http-health-check-script';
import {
  ArchiveFormat, ServiceInstall, renderServiceActiveScript, renderServiceEnabledScript, renderServiceInstallScript,
} from '../instances/service-install-script';
import {
  renderWindowsHttpHealthCheckScript, renderWindowsServiceEnabledScript, renderWindowsServiceInstallScript,
  renderWindowsServiceRunningScript,
} from '../instances/windows-service-scripts';

/**
 * The component parameter that names the artifact to install. Its default is the recipe's own
 * artifact; a recipe version created for one build sets it to that build's artifact.
 */
export const ARTIFACT_PARAMETER = 'ArtifactS3Uri';

/** The artifact parameter's default for a recipe without an artifact: not an s3:// URI, so the install step refuses it, saying why. */
export const NO_ARTIFACT = 'none: the recipe has no artifact of its own; a bake gives each build its own';

export interface ApplicationComponentInput {
  readonly operatingSystem: ImageOperatingSystem;
  readonly serviceName: string;
  /**
   * `s3://bucket/key` of the default artifact; the bucket may be a token. Without one, the default
   * says so, and the install step refuses it: only builds that name their artifact can succeed.
   */
  readonly defaultArtifactS3Uri?: string;
  readonly archiveFormat: ArchiveFormat;
  readonly startCommand: string;
  readonly runtimePackages: string[];
  /** Attempts and interval of the check that the service runs. */
  readonly serviceProbe: { readonly attempts: number; readonly intervalSeconds: number };
  readonly healthCheck?: HttpHealthCheck;
}

/** The scripts that install and check a service, per operating system. */
interface ServiceScripts {
  readonly kind: string;
  readonly install: (install: ServiceInstall) => string;
  readonly enabled: (serviceName: string) => string;
  readonly running: (serviceName: string, attempts: number, intervalSeconds: number) => string;
  readonly httpHealthCheck: (check: HttpHealthCheck) => string;
}

const SERVICE_SCRIPTS: Record<ImageOperatingSystem, ServiceScripts> = {
  [ImageOperatingSystem.LINUX]: {
    kind: 'systemd service',
    install: renderServiceInstallScript,
    enabled: renderServiceEnabledScript,
    running: renderServiceActiveScript,
    httpHealthCheck: renderHttpHealthCheckScript,
  },
  [ImageOperatingSystem.WINDOWS]: {
    kind: 'Windows service',
    install: renderWindowsServiceInstallScript,
    enabled: renderWindowsServiceEnabledScript,
    running: renderWindowsServiceRunningScript,
    httpHealthCheck: renderWindowsHttpHealthCheckScript,
  },
};

/**
 * The document of the component that installs the application as a service (build phase), checks
 * that it is enabled (validate phase) and, on a fresh instance, that it runs and answers
 * (test phase).
 */
export function renderApplicationComponentDocument(input: ApplicationComponentInput): string {
  const { serviceName, serviceProbe, healthCheck } = input;
  const scripts = SERVICE_SCRIPTS[input.operatingSystem];
  const action = SCRIPT_ACTIONS[input.operatingSystem];
  const step = (name: string, script: string): ComponentStep => ({ name, action, inputs: { commands: [script] } });
  const install = {
    serviceName,
    artifactS3Uri: `{{ ${ARTIFACT_PARAMETER} }}`,
    archiveFormat: input.archiveFormat,
    startCommand: input.startCommand,
    runtimePackages: input.runtimePackages,
  };
  return renderComponentDocument({
    name: `${serviceName}-application`,
    description: `Installs ${serviceName} as a ${scripts.kind} and checks that it runs`,
    parameters: [{
      name: ARTIFACT_PARAMETER,
      default: input.defaultArtifactS3Uri ?? NO_ARTIFACT,
      description: 's3:// URI of the application artifact to install',
    }],
    phases: [
      { name: 'build', steps: [step('InstallApplication', scripts.install(install))] },
      { name: 'validate', steps: [step('ServiceEnabled', scripts.enabled(serviceName))] },
      {
        name: 'test',
        steps: [
          step('ServiceActive', scripts.running(serviceName, serviceProbe.attempts, serviceProbe.intervalSeconds)),
          ...(healthCheck ? [step('HttpHealthCheck', scripts.httpHealthCheck(healthCheck))] : []),
        ],
      },
    ],
  });
}
