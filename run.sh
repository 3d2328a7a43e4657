#!/usr/bin/env bash
# TaskFlow on this machine in one command: installs the servers it needs (Debian/Ubuntu), builds, and starts
# Redis, PostgreSQL, RabbitMQ and the five services. Chat at http://localhost:5100/ (TASKFLOW_PORT changes it).
# Data and logs stay in .local/. Ctrl-C stops everything. `./run.sh --help` lists the settings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Already running? Say so before building (a build would replace the binaries under the running services).
if [ -f .local/runner.pid ]; then
  pid=$(sed -n 1p .local/runner.pid)
  url=$(sed -n 2p .local/runner.pid)
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q TaskFlow.LocalRunner; then
    echo "TaskFlow is already running (pid $pid) at ${url:-http://localhost:${TASKFLOW_PORT:-5100}/}: stop it with Ctrl-C in its terminal" >&2
    exit 1
  fi
fi

scripts/install-prereqs.sh

if ! command -v dotnet >/dev/null 2>&1; then
  if [ -x "$HOME/.dotnet/dotnet" ]; then
    export PATH="$HOME/.dotnet:$PATH"
  else
    echo "dotnet was not found. Install the .NET 10 SDK: https://dot.net (Debian/Ubuntu: https://learn.microsoft.com/dotnet/core/install/linux," >&2
    echo "or: curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --channel 10.0), then run ./run.sh again." >&2
    exit 1
  fi
fi
if ! dotnet --list-sdks 2>/dev/null | grep -q '^1[0-9]\.'; then
  echo "TaskFlow needs the .NET 10 SDK; this machine has: $(dotnet --list-sdks 2>/dev/null | tr '\n' ' ')" >&2
  echo "Install it from https://dot.net and run ./run.sh again." >&2
  exit 1
fi

echo "Building TaskFlow (Release)..."
dotnet build tools/TaskFlow.LocalRunner -c Release -nologo -v quiet
exec dotnet tools/TaskFlow.LocalRunner/bin/Release/net10.0/TaskFlow.LocalRunner.dll "$@"
