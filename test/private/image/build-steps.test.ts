import { powerShellSyntaxErrors } from '../../../scripts/lib/powershell-syntax';
import { shellcheck } from '../../../scripts/lib/shellcheck';
import { ImageOperatingSystem } from '../../../src';
import { BoundBuildStep, groupBuildSteps, scriptAssetRunner, scriptText } from '../../../src/private/image/build-steps';

const bash = (name: string): BoundBuildStep => ({ script: { name, operatingSystem: ImageOperatingSystem.LINUX, commands: ['echo "$HOSTNAME"'] } });
const managed = (name: string): BoundBuildStep => ({ managedComponent: { name, version: 'x.x.x' } });

describe('groupBuildSteps', () => {
  test('given scripts around a managed component, then consecutive scripts share a group and the order is kept', () => {
    const groups = groupBuildSteps([bash('One'), bash('Two'), managed('aws-cli-version-2-linux'), bash('Three')]);

    expect(groups).toEqual([
      { scripts: [bash('One').script, bash('Two').script] },
      { managedComponent: { name: 'aws-cli-version-2-linux', version: 'x.x.x' } },
      { scripts: [bash('Three').script] },
    ]);
  });
});

describe('scriptText', () => {
  test('given a bash step, then it runs with errexit, nounset and pipefail and passes shellcheck', () => {
    const text = scriptText(bash('One').script!);

    expect(text).toBe('#!/bin/bash\nset -euo pipefail\necho "$HOSTNAME"\n');
    expect(shellcheck(text)).toEqual([]);
  });

  test('given a PowerShell step, then it stops at the first error', () => {
    expect(scriptText({ name: 'One', operatingSystem: ImageOperatingSystem.WINDOWS, commands: ['Write-Output 1'] }))
      .toBe("$ErrorActionPreference = 'Stop'\nWrite-Output 1\n");
  });
});

describe('scriptAssetRunner', () => {
  const bucket = 'cdk-hnb659fds-assets-111111111111-us-east-1';

  test('given a bash script asset, then the step downloads that key, runs it with bash and passes shellcheck', () => {
    const runner = scriptAssetRunner({ name: 'Harden', operatingSystem: ImageOperatingSystem.LINUX, path: 'harden.sh' }, bucket, 'abc123.sh');
    const text = scriptText(runner);

    expect(runner.name).toBe('Harden');
    expect(text).toContain(`aws s3 cp 's3://${bucket}/abc123.sh' "$script"\nbash "$script"\n`);
    expect(shellcheck(text)).toEqual([]);
  });

  test('given a PowerShell script asset, then the step runs it in a child PowerShell and fails on its exit code', () => {
    const runner = scriptAssetRunner({ name: 'Harden', operatingSystem: ImageOperatingSystem.WINDOWS, path: 'harden.ps1' }, bucket, 'abc123.ps1');
    const text = scriptText(runner);

    expect(text).toContain(`Read-S3Object -BucketName '${bucket}' -Key 'abc123.ps1' -File $script | Out-Null`);
    expect(text).toContain('if ($LASTEXITCODE -ne 0) { throw "Build step Harden failed with exit code $LASTEXITCODE" }');
    expect(powerShellSyntaxErrors([text])).toEqual([[]]);
  });

  test('given an asset step that was not uploaded, then grouping refuses it', () => {
    expect(() => groupBuildSteps([{ scriptAsset: { name: 'Harden', operatingSystem: ImageOperatingSystem.LINUX, path: 'harden.sh' } }]))
      .toThrow("Build step 'Harden' must be uploaded before its steps are grouped");
  });
});
