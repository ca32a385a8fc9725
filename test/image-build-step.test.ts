import { join } from 'path';
import { ImageBuildStep, ImageOperatingSystem } from '../src';

const fixture = (name: string) => join(__dirname, 'fixtures', 'build-steps', name);

describe('ImageBuildStep', () => {
  test('given bash commands, then a Linux image runs them as a script step', () => {
    expect(ImageBuildStep.bash('Harden', ['sysctl -w net.ipv4.tcp_syncookies=1'])._bind(ImageOperatingSystem.LINUX)).toEqual({
      script: { name: 'Harden', operatingSystem: ImageOperatingSystem.LINUX, commands: ['sysctl -w net.ipv4.tcp_syncookies=1'] },
    });
  });

  test('given a .sh file, then its lines become a bash step without its own shebang', () => {
    const step = ImageBuildStep.scriptFile('Harden', fixture('harden.sh'))._bind(ImageOperatingSystem.LINUX);

    expect(step.script?.commands).toEqual(['echo "hardening"', 'sysctl -w net.ipv4.tcp_syncookies=1', '']);
  });

  test('given a .ps1 file, then it is a PowerShell step for Windows images', () => {
    const step = ImageBuildStep.scriptFile('Harden', fixture('harden.ps1'))._bind(ImageOperatingSystem.WINDOWS);

    expect(step.script).toMatchObject({ operatingSystem: ImageOperatingSystem.WINDOWS, commands: ['Write-Output "hardening"', ''] });
  });

  test('given an AWS-managed component, then it is referenced by name with the newest version by default', () => {
    expect(ImageBuildStep.awsManagedComponent('aws-cli-version-2-linux')._bind(ImageOperatingSystem.LINUX)).toEqual({
      managedComponent: { name: 'aws-cli-version-2-linux', version: 'x.x.x' },
    });
  });

  describe('bad input', () => {
    test('given a bash step on a Windows image, then binding fails naming the step and the factory to use', () => {
      expect(() => ImageBuildStep.bash('Harden', ['true'])._bind(ImageOperatingSystem.WINDOWS))
        .toThrow("Build step 'Harden' is a bash script, which Windows images cannot run; use ImageBuildStep.powerShell");
    });

    test('given a PowerShell step on a Linux image, then binding fails naming the step and the factory to use', () => {
      expect(() => ImageBuildStep.powerShell('Harden', ['Write-Output 1'])._bind(ImageOperatingSystem.LINUX))
        .toThrow("Build step 'Harden' is a PowerShell script, which Linux images cannot run; use ImageBuildStep.bash");
    });

    test.each<[string, () => ImageBuildStep, string]>([
      ['a step name with a space', () => ImageBuildStep.bash('my step', ['true']), "Build step names are 1 to 128 letters, digits, '_' or '-', got 'my step'"],
      ['no commands', () => ImageBuildStep.bash('Empty', ['', ' ']), "Build step 'Empty' has no commands"],
      ['a script file of unknown kind', () => ImageBuildStep.scriptFile('Harden', fixture('harden.txt')),
        `Script file ${fixture('harden.txt')} must end in .sh (bash, Linux) or .ps1 (PowerShell, Windows), got '.txt'`],
      ['a managed component name with capitals', () => ImageBuildStep.awsManagedComponent('AWS-CLI'),
        "AWS-managed component names are lowercase letters, digits and '-', got 'AWS-CLI'"],
      ['a managed component version that is no pattern', () => ImageBuildStep.awsManagedComponent('aws-cli-version-2-linux', 'latest'),
        "Component version must look like '1.0.x' or 'x.x.x', got 'latest' (component aws-cli-version-2-linux)"],
    ])('given %s, then it fails naming the value', (_case, create, message) => {
      expect(create).toThrow(message);
    });
  });
});

describe('ImageBuildStep.scriptAsset', () => {
  test('given a .ps1 file, then it is an uploaded PowerShell step for Windows images', () => {
    expect(ImageBuildStep.scriptAsset('Harden', fixture('harden.ps1'))._bind(ImageOperatingSystem.WINDOWS)).toEqual({
      scriptAsset: { name: 'Harden', operatingSystem: ImageOperatingSystem.WINDOWS, path: fixture('harden.ps1') },
    });
  });

  test('given a .sh file on a Windows image, then binding fails naming the step', () => {
    expect(() => ImageBuildStep.scriptAsset('Harden', fixture('harden.sh'))._bind(ImageOperatingSystem.WINDOWS))
      .toThrow("Build step 'Harden' is a bash script, which Windows images cannot run; use ImageBuildStep.powerShell");
  });

  test('given a file that does not exist, then it fails naming the path', () => {
    expect(() => ImageBuildStep.scriptAsset('Harden', fixture('missing.sh')))
      .toThrow(`Build step 'Harden': script file ${fixture('missing.sh')} does not exist`);
  });
});
