# shellcheck shell=bash
# Source this file: it defines `ensure_local_services`, which makes sure PostgreSQL, RabbitMQ
# (with its management API) and Redis answer on loopback, starting any that are down. Used by
# `./dev test` and `./dev up`. A service whose URL in the environment points elsewhere is only
# checked, never started.

local_services_log() { printf 'services: %s\n' "$*" >&2; }

# url_host_port URL DEFAULT_PORT -> "host port"
url_host_port() {
  local rest="${1#*://}"
  rest="${rest#*@}"
  rest="${rest%%/*}"
  rest="${rest%%\?*}"
  local host port
  if [[ "$rest" == \[*\]* ]]; then
    host="${rest%%]*}"; host="${host#[}"
    port="${rest##*]}"; port="${port#:}"
  else
    host="${rest%%:*}"
    port="${rest#"$host"}"; port="${port#:}"
  fi
  printf '%s %s\n' "${host:-127.0.0.1}" "${port:-$2}"
}

is_loopback() { [[ "$1" == 127.* || "$1" == localhost || "$1" == ::1 ]]; }

tcp_answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_until SECONDS COMMAND... : retries COMMAND every half second.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

postgres_start_command() {
  local version
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
  printf 'pg_ctlcluster --skip-systemctl-redirect %s main start' "${version:-<version>}"
}
redis_start_command='redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log'

cannot_start() {
  local name="$1" command="$2" output="${3:-}"
  {
    echo
    echo "services: $name is not answering and could not be started."
    [ -n "$output" ] && printf '%s\n' "$output" | tail -n 15 | sed 's/^/  | /'
    echo "  Start it yourself, then run this again:"
    echo "    $command"
    echo
  } >&2
  return 1
}

# start_service NAME COMMAND WAIT_SECONDS HOST PORT: runs COMMAND (a shell string) with its
# output in a file, never a pipe (a daemon that inherits a pipe keeps $(...) waiting forever),
# then waits until HOST:PORT answers.
start_service() {
  local name="$1" command="$2" wait_seconds="$3" host="$4" port="$5" log
  log="$(mktemp)"
  local_services_log "$name is down; starting it: $command"
  if ! bash -c "$command" >"$log" 2>&1 </dev/null; then
    cannot_start "$name" "$command" "$(cat "$log")"
    rm -f "$log"
    return 1
  fi
  if ! wait_until "$wait_seconds" tcp_answers "$host" "$port"; then
    cannot_start "$name" "$command" "$(cat "$log")"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  local_services_log "$name answers on $host:$port"
}

# check_or_start NAME URL DEFAULT_PORT COMMAND WAIT_SECONDS
check_or_start() {
  local name="$1" url="$2" default_port="$3" command="$4" wait_seconds="$5" host port
  read -r host port < <(url_host_port "$url" "$default_port")
  tcp_answers "$host" "$port" && return 0
  # The start commands serve the default loopback port; anything else is someone else's.
  if ! is_loopback "$host" || [ "$port" != "$default_port" ]; then
    printf '\nservices: %s does not answer at %s:%s, where the environment points it.\n  Start it there, or unset the URL variable to use the local one on port %s.\n\n' \
      "$name" "$host" "$port" "$default_port" >&2
    return 1
  fi
  start_service "$name" "$command" "$wait_seconds" "$host" "$port"
}

ensure_postgres() {
  check_or_start PostgreSQL "${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}" 5432 \
    "$(postgres_start_command)" 60
}

ensure_redis() {
  check_or_start Redis "${REDIS_URL:-redis://127.0.0.1:6379}" 6379 "$redis_start_command" 30
}

ensure_rabbitmq() {
  local url="${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672}" host port
  # -detached returns at once, before the node has even registered with epmd (so an immediate
  # `rabbitmqctl await_startup` fails): wait for the AMQP port, then for the boot to finish.
  read -r host port < <(url_host_port "$url" 5672)
  if ! tcp_answers "$host" "$port"; then
    check_or_start RabbitMQ "$url" 5672 'rabbitmq-server -detached' 120 || return 1
    if ! timeout 120 rabbitmqctl -q await_startup >/dev/null 2>&1 </dev/null; then
      local_services_log "warning: rabbitmqctl await_startup did not confirm the boot; AMQP answers, going on"
    fi
  fi
  # The test harness creates a vhost per test file through the management API (it falls back
  # to the much slower rabbitmqctl), so make sure the API answers.
  is_loopback "$host" || return 0
  tcp_answers "$host" 15672 && return 0
  command -v rabbitmq-plugins >/dev/null || return 0
  local_services_log "enabling the management API: rabbitmq-plugins enable rabbitmq_management"
  if ! rabbitmq-plugins enable rabbitmq_management >/dev/null 2>&1 </dev/null ||
    ! wait_until 60 tcp_answers "$host" 15672; then
    local_services_log "warning: no management API on $host:15672; tests fall back to rabbitmqctl"
  fi
}

ensure_local_services() {
  ensure_postgres && ensure_rabbitmq && ensure_redis
}
