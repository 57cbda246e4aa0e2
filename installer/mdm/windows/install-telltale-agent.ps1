<#
.SYNOPSIS
  Installs or upgrades the Telltale agent as a Windows service (template for
  the Windows port; the install command of the Intune Win32 app).

.DESCRIPTION
  Same behaviour as the Linux package:
  - binary in C:\Program Files\Telltale, service "TelltaleAgent" running
    `telltale-agent.exe run`, restarted on failure with a limit;
  - managed config C:\ProgramData\Telltale\agent.toml with the same keys as
    /etc/telltale/agent.toml (installer/mdm/README.md), readable by SYSTEM and
    Administrators only; an existing config is kept unless settings are given;
  - the token goes to C:\ProgramData\Telltale\enrollment.token; the agent
    enrolls on first start and deletes it;
  - state (key, certificate, spool) in C:\ProgramData\Telltale\state is never
    touched here, so upgrades and re-installs keep the device's identity;
  - scheduled task "Telltale compliance scan": daily, random delay up to 4 h,
    runs a missed scan when the laptop is next on.

.EXAMPLE
  powershell.exe -NoProfile -ExecutionPolicy Bypass -File install-telltale-agent.ps1 -TokenFile .\enrollment.token
#>
[CmdletBinding()]
param(
  # Enrollment token (prefer -TokenFile: command lines end up in MDM logs).
  [string]$Token,
  # A file holding only the token, e.g. shipped inside the .intunewin.
  [string]$TokenFile,
  # Optional settings written to agent.toml (keys of the same names).
  [int]$CollectInterval,
  [int]$HeartbeatInterval,
  [string[]]$Anchor,
  [string]$LogLevel,
  # Folder holding telltale-agent.exe (default: next to this script).
  [string]$SourceDir = $PSScriptRoot
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ServiceName = 'TelltaleAgent'
$TaskName    = 'Telltale compliance scan'
$InstallDir  = Join-Path $env:ProgramFiles 'Telltale'
$DataDir     = Join-Path $env:ProgramData 'Telltale'
$StateDir    = Join-Path $DataDir 'state'
$ConfigFile  = Join-Path $DataDir 'agent.toml'
$TokenPath   = Join-Path $DataDir 'enrollment.token'
$Exe         = Join-Path $InstallDir 'telltale-agent.exe'

function Set-PrivateAcl([string]$Path) {
  # SYSTEM and Administrators only, nothing inherited: the folder holds the
  # token and the device key (Linux: 0700 / 0600).
  $acl = New-Object System.Security.AccessControl.DirectorySecurity
  $acl.SetAccessRuleProtection($true, $false)
  foreach ($sid in 'S-1-5-18', 'S-1-5-32-544') {
    $who = New-Object System.Security.Principal.SecurityIdentifier($sid)
    $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule(
      $who, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow')))
  }
  Set-Acl -Path $Path -AclObject $acl
}

function ConvertTo-TomlString([string]$Value) {
  '"' + ($Value -replace '\\', '\\' -replace '"', '\"') + '"'
}

# 1. Stop a running agent (upgrade) and put the binary in place.
$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($service -and $service.Status -ne 'Stopped') { Stop-Service -Name $ServiceName -Force }
New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
Copy-Item -Force -Path (Join-Path $SourceDir 'telltale-agent.exe') -Destination $Exe

# 2. Private data dir; the state dir is created by the agent and kept.
New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
Set-PrivateAcl $DataDir

# 3. Managed config: written only when settings are given, else kept.
$lines = @()
if ($PSBoundParameters.ContainsKey('CollectInterval'))   { $lines += "collect-interval = $CollectInterval" }
if ($PSBoundParameters.ContainsKey('HeartbeatInterval')) { $lines += "heartbeat-interval = $HeartbeatInterval" }
if ($PSBoundParameters.ContainsKey('Anchor'))   { $lines += 'anchor = [' + (($Anchor | ForEach-Object { ConvertTo-TomlString $_ }) -join ', ') + ']' }
if ($PSBoundParameters.ContainsKey('LogLevel')) { $lines += 'log-level = ' + (ConvertTo-TomlString $LogLevel) }
if ($lines.Count -gt 0) {
  $header = '# Written by install-telltale-agent.ps1; keys as in installer/mdm/README.md.'
  Set-Content -Path $ConfigFile -Value (@($header) + $lines) -Encoding ascii
} elseif (-not (Test-Path $ConfigFile)) {
  Set-Content -Path $ConfigFile -Value '# Telltale agent managed config; keys as in installer/mdm/README.md.' -Encoding ascii
}

# 4. Token to the token file; an enrolled agent ignores it, so re-running
#    the install with an old token is harmless.
if ($TokenFile) { $Token = (Get-Content -Raw -Path $TokenFile).Trim() }
if ($Token) { Set-Content -Path $TokenPath -Value $Token -NoNewline -Encoding ascii }

# 5. Service: automatic (delayed, network up first), restart on failure:
#    three restarts 15 s apart, counter reset after 10 minutes.
$binPath = '"{0}" run --config "{1}" --state-dir "{2}" --token-file "{3}"' -f $Exe, $ConfigFile, $StateDir, $TokenPath
if (-not $service) {
  New-Service -Name $ServiceName -BinaryPathName $binPath -DisplayName 'Telltale agent' `
    -Description 'Reports whether someone sits at this laptop to the Telltale collector.' `
    -StartupType Automatic | Out-Null
} else {
  & sc.exe config $ServiceName binPath= $binPath | Out-Null
}
& sc.exe config $ServiceName start= delayed-auto | Out-Null
& sc.exe failure $ServiceName reset= 600 actions= restart/15000/restart/15000/restart/15000 | Out-Null
& sc.exe failureflag $ServiceName 1 | Out-Null

# 6. Daily compliance scan as SYSTEM.
$action  = New-ScheduledTaskAction -Execute $Exe -Argument ('scan --config "{0}" --state-dir "{1}"' -f $ConfigFile, $StateDir)
$trigger = New-ScheduledTaskTrigger -Daily -At 9am -RandomDelay (New-TimeSpan -Hours 4)
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Minutes 5)
$principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Settings $settings `
  -Principal $principal -Force | Out-Null

Start-Service -Name $ServiceName
exit 0
