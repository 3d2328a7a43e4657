#!/usr/bin/env bash
# TaskFlow on this machine in one command: installs the servers it needs (Debian/Ubuntu), builds the Aspire AppHost
# and runs it, which starts Redis, PostgreSQL, RabbitMQ, the five services and the Aspire dashboard.
# Chat at http://localhost:5100/ (TASKFLOW_PORT changes it). Ctrl-C (or SIGTERM) stops everything.
# `./run.sh --help` lists the settings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  cat <<'HELP'
./run.sh: installs what is missing (Debian/Ubuntu), builds and runs the TaskFlow AppHost (src/TaskFlow.AppHost):
Redis, PostgreSQL and RabbitMQ (local executables with data in .local/aspire/, or containers where Docker or Podman
answers), the five services, and the Aspire dashboard (traces, metrics, logs of every service).

Environment (all optional):
  TASKFLOW_PORT             the gateway's public port (default 5100): the chat is at http://localhost:PORT/
  TASKFLOW_MANAGEMENT_PORT  the gateway's /metrics and /health, for the operator only (default: TASKFLOW_PORT + 5, i.e. 5105)
  TASKFLOW_REDIS_PORT       Redis's port (default: a free port)
  TASKFLOW_POSTGRES_PORT    PostgreSQL's port (default: a free port)
  TASKFLOW_RABBITMQ_PORT    RabbitMQ's AMQP port (default: a free port)
  TASKFLOW_CHAT             chat model, e.g. "Endpoint=http://127.0.0.1:11434;Model=qwen3" (also read: ConnectionStrings__chat)
  TASKFLOW_REPLICAS         more processes of a service, e.g. "chatsocket=2,inferenceworker=2" (web, chatsocket,
                            inferenceworker, telemetry; 1 to 16 each)
  TASKFLOW_DASHBOARD_PORT   the dashboard's port (default 15180); its login link is printed once TaskFlow is up
  Chat__*, Inference__*, Models__*, Queue__*, Security__*, Telemetry__*
                            service settings (docs/configuration.md), handed on to every service,
                            e.g. Inference__MaxConcurrentJobs=7
  TaskFlow__Infrastructure  Containers or Executables (default: containers when a container runtime answers)
  OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG
                            which turns are traced, handed on to every service (default: all), e.g.
                            parentbased_traceidratio and 0.1 for one in ten (docs/configuration.md)

Ctrl-C or SIGTERM stops every service and server. Other arguments are passed to the AppHost.
HELP
  exit 0
fi

pidfile=.local/apphost.pid
# Already running? Say so before building (a build would replace the binaries under the running services).
if [ -f "$pidfile" ]; then
  pid=$(sed -n 1p "$pidfile")
  url=$(sed -n 2p "$pidfile")
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q TaskFlow.AppHost; then
    echo "TaskFlow is already running (pid $pid) at ${url:-http://localhost:${TASKFLOW_PORT:-5100}/}: stop it with Ctrl-C in its terminal (or kill -TERM $pid)" >&2
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
dotnet build src/TaskFlow.AppHost -c Release -nologo -v quiet

# Named even when it is the default: the gateway then listens on it itself, with no proxy of the AppHost's in front.
export TASKFLOW_PORT="${TASKFLOW_PORT:-5100}"
chat_url="http://localhost:$TASKFLOW_PORT/"
mkdir -p .local
# exec keeps this pid: the pid file names the AppHost itself, and Ctrl-C / SIGTERM reach it directly.
printf '%s\n%s\n' "$$" "$chat_url" >"$pidfile"
echo "Starting TaskFlow: chat at $chat_url once the services are healthy; the dashboard's login link follows."

# What `dotnet run` takes from the AppHost's "http" launch profile (Properties/launchSettings.json), given here
# because the built AppHost is run directly. Development: Aspire keeps the generated server passwords in user secrets.
dashboard_port=${TASKFLOW_DASHBOARD_PORT:-15180}
export DOTNET_ENVIRONMENT=Development
export ASPNETCORE_URLS="http://localhost:$dashboard_port"
export ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="${ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL:-http://localhost:$((dashboard_port + 4000))}"
export ASPIRE_DASHBOARD_MCP_ENDPOINT_URL="${ASPIRE_DASHBOARD_MCP_ENDPOINT_URL:-http://localhost:$((dashboard_port + 3000))}"
export ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL="${ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL:-http://localhost:$((dashboard_port + 5000))}"
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
# From the project folder, as `dotnet run` does: the AppHost reads its appsettings.json (the default chat model) there.
cd src/TaskFlow.AppHost
exec dotnet bin/Release/net10.0/TaskFlow.AppHost.dll "$@"
