# Makes sure every service the tests need runs on loopback. Source it, then call dw_ensure_services.
# Base services (installed on the team machines, started here when down): PostgreSQL, MariaDB,
# Redis, RabbitMQ, Mosquitto, NATS with JetStream. Modules add their own as
# scripts/services.d/<name>.sh defining a function ensure_<name> (idempotent: returns at once when
# the service answers, else starts it and waits until it does).

dw_port_open() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && { exec 3>&- 3<&- 2>/dev/null; return 0; }
  return 1
}

dw_wait_port() { # name host port seconds
  local i
  for ((i = 0; i < $4 * 5; i++)); do
    dw_port_open "$2" "$3" && return 0
    sleep 0.2
  done
  echo "services: $1 did not answer on $2:$3 within $4 s" >&2
  return 1
}

dw_apt_install() { # packages...
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "services: installing $*" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1; }
  else
    return 1
  fi
}

ensure_postgres() {
  dw_port_open 127.0.0.1 5432 && return 0
  command -v pg_ctlcluster >/dev/null 2>&1 || dw_apt_install postgresql || { echo "services: PostgreSQL is not installed" >&2; return 1; }
  echo "services: starting PostgreSQL" >&2
  local v
  for v in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
  done
  dw_wait_port PostgreSQL 127.0.0.1 5432 60
}

ensure_mariadb() {
  dw_port_open 127.0.0.1 3306 && return 0
  [ -x /usr/sbin/mariadbd ] || dw_apt_install mariadb-server || { echo "services: MariaDB is not installed" >&2; return 1; }
  echo "services: starting MariaDB" >&2
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1 || true
  dw_wait_port MariaDB 127.0.0.1 3306 60
}

ensure_redis() {
  dw_port_open 127.0.0.1 6379 && return 0
  command -v redis-server >/dev/null 2>&1 || dw_apt_install redis-server || { echo "services: Redis is not installed" >&2; return 1; }
  echo "services: starting Redis" >&2
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1 ||
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1 || true
  dw_wait_port Redis 127.0.0.1 6379 30
}

ensure_rabbitmq() {
  dw_port_open 127.0.0.1 5672 && return 0
  command -v rabbitmq-server >/dev/null 2>&1 || dw_apt_install rabbitmq-server || { echo "services: RabbitMQ is not installed" >&2; return 1; }
  echo "services: starting RabbitMQ" >&2
  rabbitmq-server -detached >/dev/null 2>&1 || true
  dw_wait_port RabbitMQ 127.0.0.1 5672 120
}

ensure_mosquitto() {
  dw_port_open 127.0.0.1 1883 && return 0
  command -v mosquitto >/dev/null 2>&1 || dw_apt_install mosquitto || { echo "services: Mosquitto is not installed" >&2; return 1; }
  echo "services: starting Mosquitto" >&2
  mosquitto -d -c /etc/mosquitto/mosquitto.conf >/dev/null 2>&1 || mosquitto -d >/dev/null 2>&1 || true
  dw_wait_port Mosquitto 127.0.0.1 1883 30
}

ensure_nats() {
  dw_port_open 127.0.0.1 4222 && return 0
  [ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null 2>&1 || dw_apt_install nats-server ||
    { echo "services: nats-server is not installed" >&2; return 1; }
  echo "services: starting NATS with JetStream" >&2
  local bin=/usr/sbin/nats-server
  [ -x "$bin" ] || bin=$(command -v nats-server)
  mkdir -p /var/lib/nats-server 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec "$bin" -- -a 127.0.0.1 -p 4222 -js \
    -sd /var/lib/nats-server -l /var/log/nats-server.log >/dev/null 2>&1 || true
  dw_wait_port NATS 127.0.0.1 4222 30
}

# Starts every base service and every ensure_* function of scripts/services.d/*.sh.
dw_ensure_services() {
  local dir f fn failed=0
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/services.d"
  for f in "$dir"/*.sh; do
    [ -f "$f" ] || continue
    # shellcheck source=/dev/null
    . "$f"
  done
  for fn in ensure_postgres ensure_mariadb ensure_redis ensure_rabbitmq ensure_mosquitto ensure_nats \
      $(declare -F | awk '{print $3}' | grep '^ensure_' | grep -v -x -E 'ensure_(postgres|mariadb|redis|rabbitmq|mosquitto|nats)' | sort); do
    "$fn" || failed=1
  done
  return $failed
}
