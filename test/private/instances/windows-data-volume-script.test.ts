import { powerShellSyntaxErrors } from '../../../scripts/lib/powershell-syntax';
import { DATA_VOLUME_MARKER, DataVolumeSetup, FOREIGN_VOLUME_EXIT, NO_DEVICE_EXIT } from '../../../src/private/instances/data-volume-setup';
import { windowsDataVolumeSteps } from '../../../src/private/instances/windows-data-volume-script';

/**
 * PowerShell cannot be installed from a package registry here, so the Windows steps are parsed with
 * the PowerShell grammar and their decisions read from the text; the Linux steps, which make the
 * same decisions, run against loop devices (linux-data-volume-script.test.ts).
 */
const volume: DataVolumeSetup = {
  mountPath: 'E:',
  fileSystem: 'ntfs',
  applicationName: 'worker',
  environmentName: 'prod',
  deviceTimeoutSeconds: 600,
  device: 'xvdf',
};
const script = windowsDataVolumeSteps(volume);

/** The text of the `if` branch for a provably empty disk, and of its `else` branch. */
const emptyBranch = script.slice(script.indexOf("if ($disk.PartitionStyle -eq 'RAW'"), script.indexOf('} else {'));
const dataBranch = script.slice(script.indexOf('} else {'));

describe('windowsDataVolumeSteps', () => {
  test('given a data volume, then the steps parse as PowerShell', () => {
    expect(powerShellSyntaxErrors([script])).toEqual([[]]);
  });

  test('given a mount path, then the drive letter, the marker on it and the identity it must name are the volume\'s', () => {
    expect(script).toContain("$driveLetter = 'E'\n$identity = 'application=worker environment=prod'\n");
    expect(script).toContain(`$marker = "\${driveLetter}:\\${DATA_VOLUME_MARKER}"`);
  });

  test('given the disks, then only a non-boot, non-system EBS disk is taken, and two of them are refused', () => {
    // By model: on Nitro, Windows shortens the friendly name to 'NVMe Amazon Elastic B'.
    expect(script).toContain("-not $_.IsBoot -and -not $_.IsSystem -and ($_.Model -match 'Amazon Elastic Block Store' -or $_.FriendlyName -match 'AWS PVDISK')");
    expect(script).toContain(`Stop-DataVolumeSetup ${FOREIGN_VOLUME_EXIT} "More than one data disk is attached`);
  });

  test('given no disk in time, then the steps exit saying so, within the deadline', () => {
    expect(script).toContain('$deadline = (Get-Date).AddSeconds(600)');
    expect(script).toContain(`Stop-DataVolumeSetup ${NO_DEVICE_EXIT} 'No data volume appeared within 600 seconds: the service is not started'`);
  });

  test('given a disk, then it is formatted only when it has no partition style and its first MiB reads as zeros', () => {
    expect(script).toContain("if ($disk.PartitionStyle -eq 'RAW' -and (Test-EmptyPrefix $disk.Number)) {");
    expect(script).toContain('$buffer = New-Object byte[] 1048576');
    expect(script).toContain('($read -eq $buffer.Length) -and');
    for (const formatting of ['Initialize-Disk', 'New-Partition', 'Format-Volume']) {
      expect(emptyBranch).toContain(formatting);
      expect(dataBranch).not.toContain(formatting);
    }
    expect(emptyBranch).toContain('[IO.File]::WriteAllText($marker, "$identity`n")');
  });

  test('given a disk with data, then it keeps a drive letter only with NTFS and a marker naming this environment, and the steps fail otherwise', () => {
    expect(dataBranch).toContain(`if ($fileSystem -ne 'NTFS') {\n    Stop-DataVolumeSetup ${FOREIGN_VOLUME_EXIT}`);
    expect(dataBranch).toContain('if (-not (Test-Marker)) {');
    expect(dataBranch).toContain('if (-not (Test-EmptyVolume)) {\n      Remove-PartitionAccessPath');
    expect(dataBranch).toContain(`Stop-DataVolumeSetup ${FOREIGN_VOLUME_EXIT} "Data volume (disk $($disk.Number)) is not empty and its marker $marker does not name \${identity}`);
    expect(script).toContain('.TrimEnd("`r", "`n") -eq $identity');
  });

  test('given an NTFS volume without a marker and with nothing but Windows\' own folders (as EC2Launch v2 may format an empty disk), then it is marked as this environment\'s', () => {
    expect(script).toContain("$windowsOwn = @('System Volume Information', '$RECYCLE.BIN')");
    expect(script).toContain('-not (Get-ChildItem -LiteralPath "${driveLetter}:\\" -Force | Where-Object { $windowsOwn -notcontains $_.Name })');
    const unmarked = dataBranch.slice(dataBranch.indexOf('if (-not (Test-Marker)) {'));
    expect(unmarked.indexOf('Stop-DataVolumeSetup')).toBeLessThan(unmarked.indexOf('[IO.File]::WriteAllText($marker, "$identity`n")'));
  });

  test('given a volume ready, then the service\'s virtual account may modify it, and a refusal stops the steps', () => {
    expect(script).toContain("$account = 'NT SERVICE\\worker'");
    expect(script.trimEnd().split('\n').slice(-2)).toEqual([
      'icacls.exe "${driveLetter}:\\" /grant "${account}:(OI)(CI)M" | Out-Null',
      'if ($LASTEXITCODE -ne 0) { throw "icacls.exe could not let $account modify drive ${driveLetter}: (exit code $LASTEXITCODE)" }',
    ]);
  });

  test('given a drive letter another volume holds, then the data volume is left alone and the steps fail naming the letter', () => {
    expect(emptyBranch).toContain(`if (Test-Path -LiteralPath "\${driveLetter}:\\") {\n    Stop-DataVolumeSetup ${FOREIGN_VOLUME_EXIT} "Drive \${driveLetter}: is already another volume's`);
    expect(dataBranch).toContain("Stop-DataVolumeSetup 3 \"Drive ${driveLetter}: is already another volume's: the data volume (disk $($disk.Number)) is left without a drive letter");
  });
});
