<#
.SYNOPSIS
  Removes the Telltale agent (template for the Windows port; the uninstall
  command of the Intune Win32 app).
.DESCRIPTION
  Without -Purge the device's identity and spool stay in
  C:\ProgramData\Telltale (Linux: dpkg -r), so a re-install resumes as the same
  device. -Purge deletes them too (Linux: dpkg --purge).
#>
[CmdletBinding()]
param([switch]$Purge)
$ErrorActionPreference = 'Stop'

$service = Get-Service -Name 'TelltaleAgent' -ErrorAction SilentlyContinue
if ($service) {
  if ($service.Status -ne 'Stopped') { Stop-Service -Name 'TelltaleAgent' -Force }
  & sc.exe delete TelltaleAgent | Out-Null
}
Unregister-ScheduledTask -TaskName 'Telltale compliance scan' -Confirm:$false -ErrorAction SilentlyContinue
Remove-Item -Recurse -Force -Path (Join-Path $env:ProgramFiles 'Telltale') -ErrorAction SilentlyContinue
if ($Purge) {
  Remove-Item -Recurse -Force -Path (Join-Path $env:ProgramData 'Telltale') -ErrorAction SilentlyContinue
}
exit 0
