#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars from Maven Central into .kafka/libs (git-ignored), once.
# Usage: scripts/kafka/fetch.sh   (re-run with FORCE=1 to fetch again)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
libs="$root/.kafka/libs"
if [[ -z "${FORCE:-}" && -f "$libs/.complete" ]]; then
  echo "kafka: jars already in $libs"
  exit 0
fi
command -v mvn >/dev/null || { echo "kafka: mvn (Maven) is required to fetch the broker" >&2; exit 1; }
command -v java >/dev/null || { echo "kafka: java (17+) is required to run the broker" >&2; exit 1; }
rm -rf "$libs"
mkdir -p "$libs"
mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
  -DoutputDirectory="$libs" -DincludeScope=runtime
touch "$libs/.complete"
echo "kafka: $(ls "$libs"/*.jar | wc -l) jars in $libs"
