import { powerShellScriptsInTemplate, shellScriptsInTemplate } from '../../../scripts/lib/template-scripts';

const componentData = JSON.stringify({
  schemaVersion: '1.0',
  phases: [
    { name: 'build', steps: [{ name: 'Install', action: 'ExecuteBash', inputs: { commands: ['dnf install -y nginx', 'systemctl enable nginx'] } }] },
    { name: 'validate', steps: [{ name: 'Download', action: 'S3Download', inputs: [{ source: 's3://bucket/key', destination: '/tmp/key' }] }] },
  ],
});

describe('shellScriptsInTemplate', () => {
  test('given a component with ExecuteBash steps, then each step is one script with a bash shebang', () => {
    const scripts = shellScriptsInTemplate({ Resources: { Component: { Type: 'AWS::ImageBuilder::Component', Properties: { Data: componentData } } } });

    expect(scripts).toEqual([{
      location: 'Resources/Component/Properties/Data: build/Install',
      script: '#!/bin/bash\ndnf install -y nginx\nsystemctl enable nginx',
    }]);
  });

  test('given launch template user data built with Fn::Base64 and Fn::Join, then the script is assembled with placeholders', () => {
    const userData = { 'Fn::Base64': { 'Fn::Join': ['', ['#!/bin/bash\naws s3 cp s3://', { Ref: 'Bucket' }, '/app.zip /tmp/app.zip']] } };

    const scripts = shellScriptsInTemplate({ Resources: { Template: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { UserData: userData } } } } });

    expect(scripts).toEqual([{
      location: 'Resources/Template/Properties/LaunchTemplateData/UserData',
      script: '#!/bin/bash\naws s3 cp s3://CFN_REF_Bucket/app.zip /tmp/app.zip',
    }]);
  });

  test('given literal base64 user data, then it is decoded', () => {
    const userData = Buffer.from('#!/bin/bash\necho ready\n').toString('base64');

    expect(shellScriptsInTemplate({ Resources: { Host: { Type: 'AWS::EC2::Instance', Properties: { UserData: userData } } } }))
      .toEqual([{ location: 'Resources/Host/Properties/UserData', script: '#!/bin/bash\necho ready\n' }]);
  });

  test('given PowerShell user data, then it is not treated as bash', () => {
    const userData = { 'Fn::Base64': '<powershell>Write-Host ready</powershell>' };

    expect(shellScriptsInTemplate({ Resources: { Host: { Type: 'AWS::EC2::Instance', Properties: { UserData: userData } } } })).toEqual([]);
  });
});

describe('powerShellScriptsInTemplate', () => {
  test('given a component with ExecutePowerShell and ExecuteBash steps, then only the PowerShell steps are returned, as written', () => {
    const data = JSON.stringify({
      schemaVersion: '1.0',
      phases: [{
        name: 'build',
        steps: [
          { name: 'Install', action: 'ExecutePowerShell', inputs: { commands: ["$ErrorActionPreference = 'Stop'", 'Write-Output ready'] } },
          { name: 'Other', action: 'ExecuteBash', inputs: { commands: ['echo ready'] } },
        ],
      }],
    });

    expect(powerShellScriptsInTemplate({ Resources: { Component: { Type: 'AWS::ImageBuilder::Component', Properties: { Data: data } } } })).toEqual([{
      location: 'Resources/Component/Properties/Data: build/Install',
      script: "$ErrorActionPreference = 'Stop'\nWrite-Output ready",
    }]);
  });
});
