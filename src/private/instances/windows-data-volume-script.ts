/**
 * The Windows counterpart of the Linux data volume steps, for user data run by EC2Launch as
 * `NT AUTHORITY\SYSTEM` in Windows PowerShell 5.1 (the Storage module's cmdlets).
 *
 * @see https://learn.microsoft.com/powershell/module/storage/
 */
import { DATA_VOLUME_MARKER, DataVolumeSetup, FOREIGN_VOLUME_EXIT, NO_DEVICE_EXIT, dataVolumeIdentity } from './data-volume-setup';

/** Bytes at the start of a disk that must all be zero for a disk without partitions to count as empty. */
const EMPTY_PREFIX_BYTES = 1024 * 1024;

/**
 * The user data part that readies the data volume before the service may start: waits for the one
 * EBS disk that is neither the boot nor the system disk (the launching workflow attaches it while
 * the instance is in Pending:Wait), brings it online, and gives it a GPT partition, an NTFS file
 * system and a marker only when it is provably empty (no partition style, and its first MiB all
 * zeros); otherwise it gives the drive letter only to a volume whose marker names this application
 * and environment, or to an NTFS volume with nothing on it, which it marks. A disk that holds
 * anything else keeps no drive letter and the script exits non-zero, so that the service, which
 * only user data starts, does not run over data that is not its own or without its data. User data
 * runs at every boot, so a reboot finds the volume ready and checks its marker again.
 */
export function windowsDataVolumeSteps(volume: DataVolumeSetup): string {
  const driveLetter = volume.mountPath.replace(/:$/, '');
  return `$driveLetter = '${driveLetter}'
$identity = '${dataVolumeIdentity(volume)}'
$account = 'NT SERVICE\\${volume.applicationName}'
$marker = "\${driveLetter}:\\${DATA_VOLUME_MARKER}"
$deadline = (Get-Date).AddSeconds(${volume.deviceTimeoutSeconds})

function Stop-DataVolumeSetup([int]$exitCode, [string]$message) {
  [Console]::Error.WriteLine($message)
  exit $exitCode
}

# EBS disks by the model NVMe reports for them on Nitro (Windows shortens the friendly name to
# 'NVMe Amazon Elastic B'), or the PV driver's name on Xen; instance store disks have others.
# Neither the boot nor the system disk is ever taken for the data volume.
function Get-DataDisk {
  @(Get-Disk | Where-Object { -not $_.IsBoot -and -not $_.IsSystem -and ($_.Model -match 'Amazon Elastic Block Store' -or $_.FriendlyName -match 'AWS PVDISK') })
}

# Reading the disk itself: a disk without partitions may still hold data written without them.
function Test-EmptyPrefix([int]$diskNumber) {
  $buffer = New-Object byte[] ${EMPTY_PREFIX_BYTES}
  $stream = [IO.File]::Open("\\\\.\\PHYSICALDRIVE$diskNumber", 'Open', 'Read', 'ReadWrite')
  try {
    $read = 0
    while ($read -lt $buffer.Length) {
      $count = $stream.Read($buffer, $read, $buffer.Length - $read)
      if ($count -eq 0) { break }
      $read += $count
    }
  } finally {
    $stream.Dispose()
  }
  # One comparison of two strings, where a loop over a million bytes takes seconds in PowerShell 5.1.
  ($read -eq $buffer.Length) -and ([Convert]::ToBase64String($buffer) -eq [Convert]::ToBase64String((New-Object byte[] $buffer.Length)))
}

# Only the folders Windows makes at the root of a new NTFS volume.
function Test-EmptyVolume {
  $windowsOwn = @('System Volume Information', '$RECYCLE.BIN')
  -not (Get-ChildItem -LiteralPath "\${driveLetter}:\\" -Force | Where-Object { $windowsOwn -notcontains $_.Name })
}

function Test-Marker {
  (Test-Path -LiteralPath $marker) -and (([IO.File]::ReadAllText($marker)).TrimEnd("\`r", "\`n") -eq $identity)
}

$disks = @()
while ($disks.Count -eq 0) {
  Update-HostStorageCache
  $disks = Get-DataDisk
  if ($disks.Count -gt 1) {
    Stop-DataVolumeSetup ${FOREIGN_VOLUME_EXIT} "More than one data disk is attached (disks $(($disks | ForEach-Object { $_.Number }) -join ', ')): refusing to choose"
  }
  if ($disks.Count -eq 0) {
    if ((Get-Date) -ge $deadline) {
      Stop-DataVolumeSetup ${NO_DEVICE_EXIT} 'No data volume appeared within ${volume.deviceTimeoutSeconds} seconds: the service is not started'
    }
    Start-Sleep -Seconds 2
  }
}
$disk = $disks[0]
# A disk that another instance used may arrive offline or read-only, as Windows' SAN policy decides.
if ($disk.IsOffline) { Set-Disk -Number $disk.Number -IsOffline $false }
if ($disk.IsReadOnly) { Set-Disk -Number $disk.Number -IsReadOnly $false }
$disk = Get-Disk -Number $disk.Number

if ($disk.PartitionStyle -eq 'RAW' -and (Test-EmptyPrefix $disk.Number)) {
  if (Test-Path -LiteralPath "\${driveLetter}:\\") {
    Stop-DataVolumeSetup ${FOREIGN_VOLUME_EXIT} "Drive \${driveLetter}: is already another volume's: the data volume (disk $($disk.Number)) is left empty and the service is not started; choose another dataVolume.mountPath"
  }
  Write-Output "Data volume (disk $($disk.Number)) is empty: making an NTFS file system on drive \${driveLetter}:"
  Initialize-Disk -Number $disk.Number -PartitionStyle GPT
  $partition = New-Partition -DiskNumber $disk.Number -UseMaximumSize -DriveLetter $driveLetter
  Format-Volume -Partition $partition -FileSystem NTFS -NewFileSystemLabel 'data' -Confirm:$false | Out-Null
  [IO.File]::WriteAllText($marker, "$identity\`n")
} else {
  # The data partition is the largest: Windows adds a small reserved one to every GPT disk it initializes.
  $partition = Get-Partition -DiskNumber $disk.Number -ErrorAction SilentlyContinue | Sort-Object -Property Size -Descending | Select-Object -First 1
  $fileSystem = if ($partition) { (Get-Volume -Partition $partition -ErrorAction SilentlyContinue).FileSystem }
  if ($fileSystem -ne 'NTFS') {
    Stop-DataVolumeSetup ${FOREIGN_VOLUME_EXIT} "Data volume (disk $($disk.Number)) is not empty and holds no NTFS file system: it is left as it is and the service is not started"
  }
  if ($partition.DriveLetter -ne $driveLetter) {
    if (Test-Path -LiteralPath "\${driveLetter}:\\") {
      Stop-DataVolumeSetup ${FOREIGN_VOLUME_EXIT} "Drive \${driveLetter}: is already another volume's: the data volume (disk $($disk.Number)) is left without a drive letter and the service is not started"
    }
    $partition | Set-Partition -NewDriveLetter $driveLetter
  }
  if (-not (Test-Marker)) {
    # EC2Launch v2's initializeVolume task, where configured, formats an empty disk before user data
    # runs: an NTFS volume with nothing but Windows' own folders at its root holds no data either.
    if (-not (Test-EmptyVolume)) {
      Remove-PartitionAccessPath -DiskNumber $disk.Number -PartitionNumber $partition.PartitionNumber -AccessPath "\${driveLetter}:\\"
      Stop-DataVolumeSetup ${FOREIGN_VOLUME_EXIT} "Data volume (disk $($disk.Number)) is not empty and its marker $marker does not name \${identity}: it is left without a drive letter and the service is not started"
    }
    Write-Output "Data volume (disk $($disk.Number)) holds an empty NTFS file system: marking it as \${identity}'s"
    [IO.File]::WriteAllText($marker, "$identity\`n")
  }
  Write-Output "Data volume (disk $($disk.Number)) holds the data of \${identity}: on drive \${driveLetter}:"
}
# The service runs as its virtual account: it may modify the volume, whatever a new volume's root allows.
icacls.exe "\${driveLetter}:\\" /grant "\${account}:(OI)(CI)M" | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls.exe could not let $account modify drive \${driveLetter}: (exit code $LASTEXITCODE)" }
`;
}
