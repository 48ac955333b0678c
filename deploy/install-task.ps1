<#
# Saved as UTF-8 with a BOM: Windows PowerShell 5.1 reads a file without one as ANSI (Cyrillic breaks).
.SYNOPSIS
  Registers the bot as a Windows Task Scheduler task that runs it for years without anyone logged on.

.DESCRIPTION
  The task: starts at system start-up, runs whether anyone is logged on or not, "Start in" = the bot
  folder, restarts on failure, is NOT stopped after 3 days (the default limit is turned off), never
  starts a second copy. A second trigger every 5 minutes starts the bot again if it stopped for a
  reason Task Scheduler does not count as a failure; a running bot makes it a no-op (IgnoreNew, and
  the bot itself refuses a second copy on the same database).

.EXAMPLE
  # PowerShell as Administrator, in the bot folder:
  powershell -ExecutionPolicy Bypass -File deploy\install-task.ps1
  # As a domain account (needed when BRANCH_PHOTO is a network share like \\server\Photo):
  powershell -ExecutionPolicy Bypass -File deploy\install-task.ps1 -User "DEALER\svc-bot"
#>
#Requires -RunAsAdministrator
param(
    [string]$TaskName = "DealerPhotoBot",
    [string]$BotDir = (Split-Path -Parent $PSScriptRoot),
    # SYSTEM needs no password but reaches network shares only as the computer account.
    [string]$User = "SYSTEM"
)
$ErrorActionPreference = "Stop"

$python = Join-Path $BotDir ".venv\Scripts\python.exe"
$bot = Join-Path $BotDir "bot.py"
if (-not (Test-Path $python)) { throw "Нет $python. Сначала установите бота (README, раздел Windows)." }
if (-not (Test-Path $bot)) { throw "Нет $bot. Укажите папку бота: -BotDir C:\DealerBot" }

Write-Host "Проверка: python bot.py --check"
& $python $bot --check
if ($LASTEXITCODE -ne 0) { throw "Проверка нашла ошибки (выше). Исправьте их и запустите скрипт снова." }

$action = New-ScheduledTaskAction -Execute $python -Argument "`"$bot`"" -WorkingDirectory $BotDir
$atStartup = New-ScheduledTaskTrigger -AtStartup
$watchdog = New-ScheduledTaskTrigger -Once -At (Get-Date).AddMinutes(1) -RepetitionInterval (New-TimeSpan -Minutes 5)
$settings = New-ScheduledTaskSettingsSet `
    -ExecutionTimeLimit ([TimeSpan]::Zero) `
    -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) `
    -MultipleInstances IgnoreNew `
    -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -DontStopOnIdleEnd

if ($User -eq "SYSTEM") {
    $principal = New-ScheduledTaskPrincipal -UserId "SYSTEM" -LogonType ServiceAccount -RunLevel Limited
    Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $atStartup, $watchdog `
        -Settings $settings -Principal $principal -Force | Out-Null
} else {
    # "Run whether user is logged on or not": the password is stored by Task Scheduler.
    $credential = Get-Credential -UserName $User -Message "Пароль учётной записи, от которой работает бот"
    Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $atStartup, $watchdog `
        -Settings $settings -User $credential.UserName `
        -Password $credential.GetNetworkCredential().Password -RunLevel Limited -Force | Out-Null
}

Start-ScheduledTask -TaskName $TaskName
Start-Sleep -Seconds 5
$info = Get-ScheduledTaskInfo -TaskName $TaskName
Write-Host "Задача $TaskName зарегистрирована и запущена. Последний запуск: $($info.LastRunTime), код: $($info.LastTaskResult)"
Write-Host "Состояние: Get-ScheduledTask -TaskName $TaskName | Get-ScheduledTaskInfo"
Write-Host "Журнал бота: $(Join-Path $BotDir 'logs\bot.log')"
