import { BaseImage, ImageBuildStep } from '../../src';
import { applicationComponent, applicationDocument, managedComponent, onlyResource, recipeStack, stepScript } from '../helpers/recipe-stack';

const windows = {
  baseImage: BaseImage.windowsServer2022(),
  startCommand: '"C:\\Program Files\\web\\web.exe" --port 8080',
};

describe('ApplicationImageRecipe on Windows', () => {
  test('given a Windows base image, then the recipe patches Windows and adds the Windows CloudWatch agent', () => {
    const recipe = onlyResource(recipeStack(windows).template, 'AWS::ImageBuilder::ImageRecipe').Properties;

    expect(recipe.Components.slice(0, 2)).toEqual([managedComponent('update-windows'), managedComponent('amazon-cloudwatch-agent-windows')]);
  });

  test('given a Windows base image, then the application is a Windows component of PowerShell steps that install, check and probe a Windows service', () => {
    const { template } = recipeStack({ ...windows, healthCheck: { port: 8080, path: '/health' } });
    const document = applicationDocument(template);

    expect(applicationComponent(template).Properties.Platform).toBe('Windows');
    expect(document.description).toBe('Installs web as a Windows service and checks that it runs');
    expect(document.phases.flatMap((phase: any) => phase.steps.map((step: any) => [phase.name, step.name, step.action]))).toEqual([
      ['build', 'InstallApplication', 'ExecutePowerShell'],
      ['validate', 'ServiceEnabled', 'ExecutePowerShell'],
      ['test', 'ServiceActive', 'ExecutePowerShell'],
      ['test', 'HttpHealthCheck', 'ExecutePowerShell'],
    ]);
    const install = stepScript(document, 'build', 'InstallApplication');
    expect(install).toContain("$artifact = '{{ ArtifactS3Uri }}'");
    expect(install).toContain('New-Service -Name $serviceName -BinaryPathName $startCommand -StartupType Manual');
  });

  test('given PowerShell build steps, then they run in a Windows component before the application', () => {
    const { template } = recipeStack({ ...windows, buildSteps: [ImageBuildStep.powerShell('Harden', ['Set-MpPreference -DisableRealtimeMonitoring $false'])] });
    const steps = Object.values(template.findResources('AWS::ImageBuilder::Component'))
      .find((component) => component.Properties.Description === 'Build steps 1')!;

    expect(steps.Properties.Platform).toBe('Windows');
    expect(JSON.parse(steps.Properties.Data).phases[0].steps[0]).toEqual({
      name: 'Harden',
      action: 'ExecutePowerShell',
      inputs: { commands: ["$ErrorActionPreference = 'Stop'\nSet-MpPreference -DisableRealtimeMonitoring $false\n"] },
    });
  });

  test('given a bash build step on a Windows image, then construction fails naming the step', () => {
    expect(() => recipeStack({ ...windows, buildSteps: [ImageBuildStep.bash('Harden', ['true'])] }))
      .toThrow("Build step 'Harden' is a bash script, which Windows images cannot run; use ImageBuildStep.powerShell");
  });

  test('given a PowerShell build step on a Linux image, then construction fails naming the step', () => {
    expect(() => recipeStack({ buildSteps: [ImageBuildStep.powerShell('Harden', ['Write-Output 1'])] }))
      .toThrow("Build step 'Harden' is a PowerShell script, which Linux images cannot run; use ImageBuildStep.bash");
  });
});
