# Process lifecycle shared by soak.sh and leakcheck.sh (run.sh keeps its own copy).
# Source it after setting HERE; it sets TMP, a trap that stops every server started with
# start_server, and removes TMP unless KEEP_TMP=1 or the script failed.

SERVER_PIDS=()
TMP=$(mktemp -d /tmp/shepherd-bench.XXXXXX)
chmod 755 "$TMP"   # nginx workers run as 'nobody' when started by root
KEEP_TMP="${KEEP_TMP:-0}"

# start_server VAR LOGFILE CWD CMD...: own session/process group; VAR = pid = pgid.
start_server() {
  local __var="$1" logfile="$2" cwd="$3"; shift 3
  ( cd "$cwd" && exec setsid "$@" ) >"$logfile" 2>&1 </dev/null &
  local __pid=$!
  SERVER_PIDS+=("$__pid")
  printf -v "$__var" '%s' "$__pid"
}

# stop_server PID [SIGNAL] [GRACE_SECONDS]: SIGNAL (TERM) to the group, KILL after the grace time.
stop_server() {
  local pid="$1" sig="${2:-TERM}" grace="${3:-5}" i
  [[ -n "$pid" ]] || return 0
  kill -"$sig" -- "-$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null || true
  for i in $(seq 1 $(( grace * 10 ))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=()
  for i in "${SERVER_PIDS[@]}"; do [[ "$i" == "$pid" ]] || kept+=("$i"); done
  SERVER_PIDS=("${kept[@]+"${kept[@]}"}")
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}"; do stop_server "$pid"; done
  if [[ "$KEEP_TMP" == 1 || ( $rc -ne 0 && $rc -ne 130 && $rc -ne 143 ) ]]; then
    echo "temporary files kept in $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT
trap 'echo "terminated" >&2; exit 143' TERM

die() { echo "error: $*" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# start_upstream SCENARIO_DIR: the fake upstream of run.sh; sets UPSTREAM_PID, UPSTREAM_URL.
start_upstream() {
  local port; port=$(python3 "$HERE/helpers.py" free-port)
  python3 "$HERE/helpers.py" nginx-upstream "$TMP/upstream" "$port" 1 "$1"
  "$NGINX" -t -q -p "$TMP/upstream" -c "$TMP/upstream/nginx.conf" -e "$TMP/upstream/error.log" \
    || die "nginx config for the upstream is invalid"
  start_server UPSTREAM_PID "$TMP/upstream/stdout.log" "$TMP/upstream" \
    "$NGINX" -p "$TMP/upstream" -c "$TMP/upstream/nginx.conf" -e "$TMP/upstream/error.log"
  UPSTREAM_URL="http://127.0.0.1:$port"
  python3 "$HERE/helpers.py" wait-http "$UPSTREAM_URL/healthz" --timeout 30 --pid "$UPSTREAM_PID" \
    || die "fake upstream did not start"
}

# start_shepherd BIN [ENV=VALUE...]: `shepherd serve`, ledger on (SQLite), in front of the fake
# upstream; model 'bench' answers JSON, 'bench-stream' SSE, and 'failing' always gets a 500 from its upstream.
# Sets SHEPHERD_PID, SHEPHERD_PORT, SHEPHERD_URL.
start_shepherd() {
  local bin="$1"; shift
  local dir="$TMP/shepherd"
  mkdir -p "$dir"
  SHEPHERD_PORT=$(python3 "$HERE/helpers.py" free-port)
  cat >"$dir/shepherd.yaml" <<EOF
server: { host: 127.0.0.1, port: $SHEPHERD_PORT, auth: none }
storage: ${BENCH_STORAGE:-sqlite://bench.db}
providers:
  upstream: { kind: openai, base_url: $UPSTREAM_URL/v1, api_key: env:BENCH_UPSTREAM_KEY }
  streaming: { kind: openai, base_url: $UPSTREAM_URL/sse/v1, api_key: env:BENCH_UPSTREAM_KEY }
  broken: { kind: openai, base_url: $UPSTREAM_URL/err/v1, api_key: env:BENCH_UPSTREAM_KEY }
models:
  bench:
    targets:
      - { provider: upstream, model: gpt-4o-mini }
  bench-stream:
    targets:
      - { provider: streaming, model: gpt-4o-mini }
  failing:
    targets:
      - { provider: broken, model: gpt-4o-mini }
EOF
  start_server SHEPHERD_PID "$dir/shepherd.log" "$dir" \
    env BENCH_UPSTREAM_KEY=sk-bench "$@" "$bin" serve --config "$dir/shepherd.yaml"
  SHEPHERD_URL="http://127.0.0.1:$SHEPHERD_PORT"
  if ! python3 "$HERE/helpers.py" wait-http "$SHEPHERD_URL/healthz" --timeout "${BENCH_READY_TIMEOUT:-180}" --pid "$SHEPHERD_PID"; then
    tail -n 25 "$dir/shepherd.log" >&2
    die "shepherd did not become ready"
  fi
}
