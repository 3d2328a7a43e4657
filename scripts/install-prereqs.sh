#!/usr/bin/env bash
# Installs what TaskFlow needs to run on this machine and is missing (Debian/Ubuntu, apt-get):
#   redis-server, rabbitmq-server, and PostgreSQL (only if no /usr/lib/postgresql/*/bin/postgres exists),
# plus any extra apt packages named on the command line (.ci/run adds chromium for the browser tests and
# prometheus for promtool).
# Nothing is started or enabled here: the AppHost (./run.sh) and the tests start their own instances on their own ports.
# Does nothing (and never calls apt) when everything is already there.
set -euo pipefail

missing=()
have_command() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have_package() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

have_command redis-server || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
for pkg in "$@"; do
  if have_command "$pkg" || have_package "$pkg"; then continue; fi
  missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "TaskFlow needs: ${missing[*]}. This script only knows apt-get (Debian/Ubuntu): install them with your package manager." >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "TaskFlow needs: ${missing[*]}. Run as root (or install sudo): apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "Installing ${missing[*]} (apt-get)..."
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
"${apt[@]}" update -qq
"${apt[@]}" install -y -qq "${missing[@]}" >/tmp/taskflow-apt.log 2>&1 || {
  tail -n 30 /tmp/taskflow-apt.log >&2
  echo "apt-get install ${missing[*]} failed (full log: /tmp/taskflow-apt.log)." >&2
  exit 1
}
echo "Installed ${missing[*]}."
