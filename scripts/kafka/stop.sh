#!/usr/bin/env bash
# Stops Kafka nodes started by start.sh. Idempotent.
#
#   scripts/kafka/stop.sh [single|cluster] [node-id]    stop gracefully (SIGTERM, then SIGKILL after 30 s)
#   KAFKA_KILL=1 scripts/kafka/stop.sh cluster 2        SIGKILL at once (a crash)
#   scripts/kafka/stop.sh single --wipe                 also delete the data (next start formats anew)
#   scripts/kafka/stop.sh all [--wipe]                  every node: single, cluster and spare
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mode="${1:-single}"
if [[ "$mode" == "all" ]]; then
  "$0" single "${@:2}"
  "$0" cluster "${@:2}"
  "$0" spare "${@:2}"
  exit 0
fi
only=""; wipe=""
for arg in "${@:2}"; do
  if [[ "$arg" == "--wipe" ]]; then wipe=1; else only="$arg"; fi
done
case "$mode" in
  single | spare) ids=(1) ;;
  cluster) ids=(1 2 3) ;;
  *) echo "usage: stop.sh [single|cluster|spare|all] [node-id] [--wipe]" >&2; exit 2 ;;
esac
[[ -n "$only" ]] && ids=("$only")
for id in "${ids[@]}"; do
  dir="$root/.kafka/$mode/node-$id"
  if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    pid="$(cat "$dir/pid")"
    if [[ -n "${KAFKA_KILL:-}" ]]; then kill -KILL "$pid"; else kill -TERM "$pid"; fi
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; sleep 0.2; fi
    echo "kafka: stopped $mode node $id (pid $pid)"
  fi
  rm -f "$dir/pid"
  [[ -n "$wipe" ]] && rm -rf "$dir"
done
if [[ -n "$wipe" && -z "$only" ]]; then rm -rf "$root/.kafka/$mode"; fi
exit 0
