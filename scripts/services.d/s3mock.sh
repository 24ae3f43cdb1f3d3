# S3Mock (com.adobe.testing:s3mock, from Maven Central) on 127.0.0.1: http 9090, https 9191.
# Used by the tests of connectors/s3 and by the storage benchmarks. Sourced by scripts/test,
# which calls ensure_s3mock; safe to call again: it returns at once when S3Mock answers.
# The tests start S3Mock themselves when it is absent; this makes CI start it once for all.

_dw_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }

_dw_java() {
  if [ -n "${JAVA_HOME:-}" ] && "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
    echo "$JAVA_HOME/bin/java"
  elif [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
    echo /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
  else
    echo java
  fi
}

_s3mock_answers() {
  curl -fsS -m 3 "http://127.0.0.1:9090/" 2>/dev/null | grep -q ListAllMyBucketsResult
}

ensure_s3mock() {
  if _s3mock_answers; then
    return 0
  fi
  local root version jar dir java
  root="$(_dw_root)"
  version="$(sed -n 's:.*<s3mock.version>\(.*\)</s3mock.version>.*:\1:p' "$root/pom.xml" | head -1)"
  jar="${HOME}/.m2/repository/com/adobe/testing/s3mock/${version}/s3mock-${version}-exec.jar"
  if [ ! -f "$jar" ]; then
    (cd "$root" && mvn -B -q dependency:get -Dartifact="com.adobe.testing:s3mock:${version}:jar:exec" -Dtransitive=false) \
      || { echo "ensure_s3mock: cannot fetch S3Mock ${version} from Maven Central" >&2; return 1; }
  fi
  dir="$root/target/services/s3mock"
  mkdir -p "$dir/data"
  java="$(_dw_java)"
  echo "ensure_s3mock: starting S3Mock ${version} on 127.0.0.1:9090 (log: $dir/s3mock.log)"
  nohup "$java" -Xmx512m -jar "$jar" --server.address=127.0.0.1 \
    --com.adobe.testing.s3mock.store.root="$dir/data" >"$dir/s3mock.log" 2>&1 &
  echo $! >"$dir/pid"
  local i
  for i in $(seq 1 240); do
    if _s3mock_answers; then
      echo "ensure_s3mock: S3Mock answers after ${i}s"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "ensure_s3mock: S3Mock exited; last lines of its log:" >&2
      tail -20 "$dir/s3mock.log" >&2
      return 1
    fi
    sleep 1
  done
  echo "ensure_s3mock: S3Mock did not answer within 240s" >&2
  return 1
}
