#!/usr/bin/env bash
# Starts Kafka in KRaft mode from the jars fetch.sh fetched. Idempotent: a node already running is left alone.
#
#   scripts/kafka/start.sh [single]      one combined broker+controller: 127.0.0.1:9092 (controller 9093)
#   scripts/kafka/start.sh cluster       three combined nodes: 127.0.0.1:19092,19093,19094
#                                        (controllers 19192..19194), replication factor 3
#   scripts/kafka/start.sh cluster 2     (re)starts one node of the cluster (1..3), e.g. after stop.sh cluster 2
#   scripts/kafka/start.sh spare         one more single broker: 127.0.0.1:29092 (controller 29093), for
#                                        tests that stop and restart their broker (test/kafka/outage.test.ts)
#
# Data and logs: .kafka/<mode>/node-<id>/{data,server.log}. The storage is formatted on first start.
# Prints the bootstrap servers when every started node answers. Heap per node: KAFKA_HEAP (default 384m).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mode="${1:-single}"
only="${2:-}"
"$here/fetch.sh" >/dev/null
classpath="$root/.kafka/libs/*"
heap="${KAFKA_HEAP:-384m}"

case "$mode" in
  single) ids=(1); port_of() { echo 9092; }; ctl_of() { echo 9093; }; rf=1 ;;
  cluster) ids=(1 2 3); port_of() { echo $((19091 + $1)); }; ctl_of() { echo $((19191 + $1)); }; rf=3 ;;
  spare) ids=(1); port_of() { echo 29092; }; ctl_of() { echo 29093; }; rf=1 ;;
  *) echo "usage: start.sh [single|cluster|spare] [node-id]" >&2; exit 2 ;;
esac
voters=""
for id in "${ids[@]}"; do voters+="${voters:+,}$id@127.0.0.1:$(ctl_of "$id")"; done
cluster_id_file="$root/.kafka/$mode/cluster-id"
mkdir -p "$root/.kafka/$mode"
if [[ ! -f "$cluster_id_file" ]]; then
  java -cp "$classpath" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1 > "$cluster_id_file"
fi
cluster_id="$(cat "$cluster_id_file")"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_node() {
  local id="$1" dir="$root/.kafka/$mode/node-$1" port ctl
  port="$(port_of "$id")"; ctl="$(ctl_of "$id")"
  mkdir -p "$dir"
  if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "kafka: $mode node $id already running (pid $(cat "$dir/pid"))"
    return
  fi
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctl
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$(( rf > 1 ? 2 : 1 ))
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$(( rf > 1 ? 2 : 1 ))
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
log.retention.check.interval.ms=30000
log.segment.bytes=67108864
auto.create.topics.enable=false
delete.topic.enable=true
# Tests and benchmarks write old event times on purpose.
log.message.timestamp.after.max.ms=9223372036854775807
PROPS
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    java -cp "$classpath" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
      --ignore-formatted > "$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; exit 1; }
  fi
  # A fresh log per start, so the readiness check below does not see an earlier start's line.
  rm -f "$dir/server.log"
  # setsid: the broker outlives the shell that started it and gets its own process group.
  KAFKA_LOG="$dir/server.log" setsid java -Xms128m "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true "-Dlog4j.configuration=file:$here/log4j.properties" "-Dkafka.logs.file=$dir/server.log" \
    -cp "$classpath" kafka.Kafka "$dir/server.properties" > "$dir/stdout.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  echo "kafka: started $mode node $id (pid $!) on 127.0.0.1:$port, log $dir/server.log"
}

targets=("${ids[@]}")
[[ -n "$only" ]] && targets=("$only")
for id in "${targets[@]}"; do start_node "$id"; done

# Ready when each node accepts connections and has logged that the broker started.
deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
for id in "${targets[@]}"; do
  dir="$root/.kafka/$mode/node-$id"
  until port_open "$(port_of "$id")" && grep -q "Kafka Server started" "$dir/server.log" 2>/dev/null; do
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "kafka: $mode node $id exited; see $dir/server.log and $dir/stdout.log" >&2
      tail -20 "$dir/stdout.log" >&2 || true
      exit 1
    fi
    if (( SECONDS > deadline )); then echo "kafka: $mode node $id not ready in time; see $dir/server.log" >&2; exit 1; fi
    sleep 0.5
  done
done
bootstrap=""
for id in "${ids[@]}"; do bootstrap+="${bootstrap:+,}127.0.0.1:$(port_of "$id")"; done
echo "kafka: ready: $bootstrap"
