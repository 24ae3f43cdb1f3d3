# Azurite (npm "azurite"), blob service only, on 127.0.0.1:10000, telemetry off. Used by the
# tests of connectors/azure-blob. Sourced by scripts/test, which calls ensure_azurite; safe to
# call again: it returns at once when the blob service answers. The tests start it themselves
# when it is absent (they call this script).

_azurite_answers() {
  # any HTTP answer from the blob endpoint (Azurite says 400 to an unauthenticated GET /)
  local code
  code="$(curl -s -o /dev/null -m 3 -w '%{http_code}' "http://127.0.0.1:10000/devstoreaccount1?comp=list" 2>/dev/null)"
  [ -n "$code" ] && [ "$code" != "000" ]
}

ensure_azurite() {
  if _azurite_answers; then
    return 0
  fi
  local root dir bin
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  dir="$root/target/services/azurite"
  mkdir -p "$dir/data"
  bin="$(command -v azurite-blob || true)"
  if [ -z "$bin" ]; then
    if [ ! -x "$dir/npm/node_modules/.bin/azurite-blob" ]; then
      echo "ensure_azurite: installing azurite from npm into $dir/npm"
      npm install --silent --no-audit --no-fund --prefix "$dir/npm" azurite@3 >"$dir/npm-install.log" 2>&1 \
        || { echo "ensure_azurite: npm install azurite failed; see $dir/npm-install.log" >&2; return 1; }
    fi
    bin="$dir/npm/node_modules/.bin/azurite-blob"
  fi
  echo "ensure_azurite: starting Azurite blob on 127.0.0.1:10000 (log: $dir/azurite.log)"
  nohup "$bin" --blobHost 127.0.0.1 --blobPort 10000 --location "$dir/data" --disableTelemetry \
    --skipApiVersionCheck --silent >"$dir/azurite.log" 2>&1 &
  echo $! >"$dir/pid"
  local i
  for i in $(seq 1 60); do
    if _azurite_answers; then
      echo "ensure_azurite: Azurite answers after ${i}s"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "ensure_azurite: Azurite exited; last lines of its log:" >&2
      tail -20 "$dir/azurite.log" >&2
      return 1
    fi
    sleep 1
  done
  echo "ensure_azurite: Azurite did not answer within 60s" >&2
  return 1
}
