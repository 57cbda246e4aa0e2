<#
.SYNOPSIS
  Installs or upgrades the Telltale agent through its MSI (the install command
  of an Intune Win32 app or a script deployment).

.DESCRIPTION
  Runs `msiexec /i telltale-agent-<version>.msi TOKENFILE=… /qn` (or TOKEN=…)
  from the folder holding this script, with a verbose MSI log in
  %ProgramData%\Telltale\install-msi.log. The MSI installs
  C:\Program Files\Telltale (telltale-agent.exe, the TelltaleAgent service,
  telltale-input-helper.exe started at each logon) and writes the token to
  C:\ProgramData\Telltale\enrollment.token; upgrades keep the device's
  identity (installer/mdm/windows/README.md).

  The token never reaches a log: the MSI hides TOKEN (MsiHiddenProperties),
  and this script writes the command line it runs with the token replaced by
  "<hidden>". Prefer -TokenFile: the token then appears on no command line.

  Optional settings are written to C:\ProgramData\Telltale\agent.toml (same
  keys as /etc/telltale/agent.toml); an existing file is kept otherwise.

  Exit code: msiexec's (0 installed, 3010 installed and a reboot is pending,
  1603 failed: the reason is in the MSI log).

.EXAMPLE
  powershell.exe -NoProfile -ExecutionPolicy Bypass -File install-telltale-agent.ps1 -TokenFile enrollment.token
#>
[CmdletBinding()]
param(
  # Enrollment token (prefer -TokenFile: command lines end up in MDM logs).
  [string]$Token,
  # A file holding only the token, in the MSI's folder (the .intunewin layout).
  [string]$TokenFile,
  # Optional settings written to agent.toml (keys of the same names).
  [int]$CollectInterval,
  [int]$HeartbeatInterval,
  [string[]]$Anchor,
  [string]$LogLevel,
  # Folder holding telltale-agent-<version>.msi (default: next to this script).
  [string]$SourceDir = $PSScriptRoot
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$DataDir    = Join-Path $env:ProgramData 'Telltale'
$ConfigFile = Join-Path $DataDir 'agent.toml'
$MsiLog     = Join-Path $DataDir 'install-msi.log'

if ($Token -and $TokenFile) { throw 'Give -Token or -TokenFile, not both.' }
$msi = @(Get-ChildItem -Path $SourceDir -Filter 'telltale-agent-*.msi' | Sort-Object Name)
if ($msi.Count -eq 0) { throw "No telltale-agent-*.msi in $SourceDir" }
if ($msi.Count -gt 1) { throw "Several MSIs in ${SourceDir}: $($msi.Name -join ', '); keep one" }
$msiPath = $msi[0].FullName

# The MSI resolves TOKENFILE against its own folder.
$properties = @()
if ($TokenFile) {
  $tokenPath = if ([System.IO.Path]::IsPathRooted($TokenFile)) { $TokenFile } else { Join-Path $SourceDir $TokenFile }
  if (-not (Test-Path -PathType Leaf $tokenPath)) { throw "Token file $tokenPath not found" }
  if ((Split-Path -Parent (Resolve-Path $tokenPath)) -ne (Split-Path -Parent $msiPath)) {
    throw "Token file $tokenPath must be in the MSI's folder $(Split-Path -Parent $msiPath)"
  }
  $properties += 'TOKENFILE="{0}"' -f (Split-Path -Leaf $tokenPath)
} elseif ($Token) {
  $properties += 'TOKEN="{0}"' -f $Token
}

New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
$arguments = @('/i', ('"{0}"' -f $msiPath)) + $properties + @('/qn', '/norestart', '/l*v', ('"{0}"' -f $MsiLog))
$shown = ($arguments -join ' ')
if ($Token) { $shown = $shown.Replace($Token, '<hidden>') }
Write-Output "install-telltale-agent: msiexec $shown"
$process = Start-Process -FilePath 'msiexec.exe' -ArgumentList $arguments -Wait -PassThru
$code = $process.ExitCode
if ($code -ne 0 -and $code -ne 3010) {
  Write-Output "install-telltale-agent: msiexec exit $code; reason in $MsiLog"
  exit $code
}

# Managed config: written only when settings are given, else kept. The MSI
# created the folder with SYSTEM and Administrators only; files inherit it.
function ConvertTo-TomlString([string]$Value) {
  '"' + ($Value -replace '\\', '\\' -replace '"', '\"') + '"'
}
$lines = @()
if ($PSBoundParameters.ContainsKey('CollectInterval'))   { $lines += "collect-interval = $CollectInterval" }
if ($PSBoundParameters.ContainsKey('HeartbeatInterval')) { $lines += "heartbeat-interval = $HeartbeatInterval" }
if ($PSBoundParameters.ContainsKey('Anchor'))   { $lines += 'anchor = [' + (($Anchor | ForEach-Object { ConvertTo-TomlString $_ }) -join ', ') + ']' }
if ($PSBoundParameters.ContainsKey('LogLevel')) { $lines += 'log-level = ' + (ConvertTo-TomlString $LogLevel) }
if ($lines.Count -gt 0) {
  $header = '# Written by install-telltale-agent.ps1; keys as in installer/mdm/README.md.'
  Set-Content -Path $ConfigFile -Value (@($header) + $lines) -Encoding ascii
  Restart-Service -Name 'TelltaleAgent'
}
Write-Output "install-telltale-agent: installed $($msi[0].Name) (msiexec exit $code)"
exit $code
