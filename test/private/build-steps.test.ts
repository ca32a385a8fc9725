import { shellcheck } from '../../scripts/lib/shellcheck';
import { ImageOperatingSystem } from '../../src';
import { BoundBuildStep, groupBuildSteps, scriptText } from '../../src/private/build-steps';

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
