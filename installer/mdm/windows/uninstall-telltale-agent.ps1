<#
.SYNOPSIS
  Removes the Telltale agent through Windows Installer (the uninstall command
  of a script deployment; an Intune Win32 app can use `msiexec /x {product
  code} /qn` directly).
.DESCRIPTION
  Finds the installed product by the MSI's fixed upgrade code and runs
  `msiexec /x {product code} /qn`, logging to %TEMP%\telltale-uninstall-msi.log.
  Without -Purge the device's identity and spool stay in
  C:\ProgramData\Telltale (Linux: dpkg -r), so a re-install resumes as the same
  device. -Purge deletes them too (Linux: dpkg --purge); then revoke the device
  with `telltale-ctl revoke`.
#>
[CmdletBinding()]
param([switch]$Purge)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$UpgradeCode = '{44B944D5-CEF1-48C9-A046-0FEB1619E3D9}'
$installer = New-Object -ComObject WindowsInstaller.Installer
$products = @($installer.GetType().InvokeMember('RelatedProducts', 'GetProperty', $null, $installer, @($UpgradeCode)))
$log = Join-Path $env:TEMP 'telltale-uninstall-msi.log'
$code = 0
foreach ($product in $products) {
  Write-Output "uninstall-telltale-agent: msiexec /x $product /qn"
  $process = Start-Process -FilePath 'msiexec.exe' -ArgumentList @('/x', $product, '/qn', '/norestart', '/l*v', ('"{0}"' -f $log)) -Wait -PassThru
  if ($process.ExitCode -ne 0 -and $process.ExitCode -ne 3010) { $code = $process.ExitCode }
}
if ($products.Count -eq 0) { Write-Output 'uninstall-telltale-agent: not installed' }
if ($code -ne 0) {
  Write-Output "uninstall-telltale-agent: msiexec exit $code; reason in $log"
  exit $code
}
if ($Purge) {
  Remove-Item -Recurse -Force -Path (Join-Path $env:ProgramData 'Telltale') -ErrorAction SilentlyContinue
}
exit 0
