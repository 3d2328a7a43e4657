#!/usr/bin/env bash
# Writes an overlay's secret files (git ignores them) so that `kubectl apply -k` has its Secrets:
#   deploy/k8s/generate-secrets.sh self-contained   # random passwords for Redis, PostgreSQL, RabbitMQ, and the
#                                                   # services' connection strings made from the same passwords
#   deploy/k8s/generate-secrets.sh managed          # a connections.env to fill in with your servers' strings
# Never overwrites a file that exists: delete it first to start over (and know that the servers keep the password
# they were first started with: PostgreSQL's and RabbitMQ's live on their volumes).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
overlay="${1:-}"
case "$overlay" in
  self-contained|managed) ;;
  *) echo "usage: $0 self-contained|managed" >&2; exit 2 ;;
esac
dir="$here/overlays/$overlay/secrets"

# Hex digits only (192 random bits): the passwords go into connection strings and an AMQP URI unescaped.
password() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

write_new() {
  local file="$1"
  if [ -e "$file" ]; then
    echo "$file exists; left as it is." >&2
    return 1
  fi
  umask 077
  cat >"$file"
  echo "wrote $file"
}

if [ "$overlay" = managed ]; then
  write_new "$dir/connections.env" <"$dir/connections.env.example" || true
  echo "Now put your servers' connection strings into $dir/connections.env."
  exit 0
fi

redis="$(password)"; postgres="$(password)"; messaging="$(password)"
if [ -e "$dir/infra.env" ] || [ -e "$dir/connections.env" ]; then
  echo "$dir already has infra.env or connections.env; delete both to generate new passwords." >&2
  exit 1
fi
write_new "$dir/infra.env" <<EOT
redis-password=$redis
postgres-password=$postgres
messaging-password=$messaging
EOT
write_new "$dir/connections.env" <<EOT
redis=redis:6379,password=$redis
taskflowdb=Host=postgres;Port=5432;Username=postgres;Password=$postgres;Database=taskflowdb
messaging=amqp://taskflow:$messaging@messaging:5672
EOT
echo "To give the worker a default model, add a line to $dir/connections.env, e.g. chat=Endpoint=http://ollama.ollama:11434;Model=qwen3"
