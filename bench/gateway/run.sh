#!/usr/bin/env bash
# Whole-system gateway benchmark: wrk -> {nothing | nginx | Shepherd | LiteLLM} -> fake upstream.
# Run from anywhere (paths are resolved from this file); see bench/gateway/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
HELPERS="$HERE/helpers.py"

usage() {
  cat <<EOF
usage: bench/gateway/run.sh [options]

Loads each path one after another with wrk (POST /v1/chat/completions, keep-alive):
  direct    wrk -> fake upstream (nginx answering a fixed chat.completion)
  nginx     wrk -> nginx proxy_pass (upstream keepalive) -> fake upstream   (the floor)
  shepherd  wrk -> shepherd serve -> fake upstream
  floor     wrk -> shepherd-floor -> fake upstream   (with --floor BIN: Hummingbird and Shepherd's
            server channel and upstream pool, nothing else; what Shepherd adds is above it)
  nio       wrk -> shepherd-floor --server nio -> fake upstream   (with --floor BIN: the same proxy
            on SwiftNIO's channel handlers alone, no Hummingbird, no async/await)
  litellm   wrk -> LiteLLM proxy -> fake upstream                           (with --peer litellm)

options:
  --peer NAME          add a peer gateway; only 'litellm' is known
  --shepherd BIN       Shepherd binary (default: .build/release/shepherd, built if missing)
  --no-build           never build Shepherd; skip it if the binary is missing
  --floor BIN          shepherd-floor binary (swift build -c release --product shepherd-floor);
                       adds the 'floor' and 'nio' paths after shepherd
  --duration D         wrk duration per point, e.g. 10s, 1m (default 10s)
  --warmup D           unmeasured load before each path's first point (default 3s; 0 = none)
  --pause SECONDS      idle time between points (default 2)
  --connections "N…"   connection counts (default "1 8 32 128"); threads = min(2, N)
  --paths "P…"         subset/order of paths to run (default: direct nginx shepherd [peer])
  --scenario NAME      request/response pair under scenarios/ (default chat): chat,
                       chat-stream (stream: true, the upstream answers SSE), chat-image (a 1 MB
                       request with an image as a data: URL; also checks the body Shepherd
                       forwards is the client's bytes with only "model" changed)
  --ttfb N             after the wrk points, start every path at once and send N sequential
                       requests to each in turn (round robin, keep-alive): time to first body
                       byte and to the last byte, and each path minus direct (0 = off, default)
  --out FILE           JSON results (default bench/out/gateway-<UTC timestamp>.json)
  --wait-idle SECONDS   before each point, wait up to SECONDS for other processes to use
                       < 0.25 cores (a compiler on a 2-core machine halves every figure); 0 = off
  --keep-tmp           keep the temporary directory (configs, server logs, raw wrk output)
  -h, --help           this help

environment: BENCH_UPSTREAM_WORKERS (default 1), BENCH_PROXY_WORKERS (default nproc),
             LITELLM_WORKERS (default nproc), LITELLM_VERSION (default 1.108.7),
             BENCH_READY_TIMEOUT seconds (default 180)
EOF
}

# ---------------------------------------------------------------- options
PEER=""
SHEPHERD_BIN=""
SHEPHERD_BIN_GIVEN=0
FLOOR_BIN=""
NO_BUILD=0
DURATION="10s"
WARMUP="3s"
PAUSE=2
CONNECTIONS="1 8 32 128"
PATHS=""
SCENARIO="chat"
TTFB_N=0
OUT=""
KEEP_TMP=0
WAIT_IDLE=0
ARGV_ORIG="$*"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --peer) PEER="${2:?--peer needs a value}"; shift 2 ;;
    --shepherd) SHEPHERD_BIN="${2:?--shepherd needs a value}"; SHEPHERD_BIN_GIVEN=1; shift 2 ;;
    --no-build) NO_BUILD=1; shift ;;
    --floor) FLOOR_BIN="${2:?--floor needs a value}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --pause) PAUSE="${2:?}"; shift 2 ;;
    --connections) CONNECTIONS="${2:?}"; shift 2 ;;
    --paths) PATHS="${2:?}"; shift 2 ;;
    --scenario) SCENARIO="${2:?}"; shift 2 ;;
    --ttfb) TTFB_N="${2:?}"; shift 2 ;;
    --out) OUT="${2:?}"; shift 2 ;;
    --keep-tmp) KEEP_TMP=1; shift ;;
    --wait-idle) WAIT_IDLE="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 64 ;;
  esac
done

die() { echo "error: $*" >&2; exit 1; }
log() { printf '\n== %s\n' "$*"; }

# "10s" / "2m" / "10" -> seconds
to_seconds() {
  local v="$1"
  case "$v" in
    *ms) echo 1 ;;
    *s) echo "${v%s}" ;;
    *m) echo $(( ${v%m} * 60 )) ;;
    *h) echo $(( ${v%h} * 3600 )) ;;
    *) echo "$v" ;;
  esac
}

[[ "$PEER" == "" || "$PEER" == "litellm" ]] || { echo "unknown peer '$PEER' (known: litellm)" >&2; exit 64; }
for c in $CONNECTIONS; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || { echo "bad connection count '$c'" >&2; exit 64; }; done
[[ "$(to_seconds "$DURATION")" =~ ^[1-9][0-9]*$ ]] || { echo "bad --duration '$DURATION'" >&2; exit 64; }
[[ "$WARMUP" == "0" || "$(to_seconds "$WARMUP")" =~ ^[1-9][0-9]*$ ]] || { echo "bad --warmup '$WARMUP'" >&2; exit 64; }
[[ "$PAUSE" =~ ^[0-9]+$ ]] || { echo "bad --pause '$PAUSE'" >&2; exit 64; }
[[ "$WAIT_IDLE" =~ ^[0-9]+$ ]] || { echo "bad --wait-idle '$WAIT_IDLE'" >&2; exit 64; }
[[ "$TTFB_N" =~ ^[0-9]+$ ]] || { echo "bad --ttfb '$TTFB_N'" >&2; exit 64; }
SCENARIO_DIR="$HERE/scenarios/$SCENARIO"
# A scenario: request.json (or make_request.py, which writes it into the temp dir) and what the
# fake upstream answers: response.json (application/json) or response.sse (text/event-stream).
[[ ( -f "$SCENARIO_DIR/request.json" || -f "$SCENARIO_DIR/make_request.py" ) \
   && ( -f "$SCENARIO_DIR/response.json" || -f "$SCENARIO_DIR/response.sse" ) ]] \
  || { echo "unknown scenario '$SCENARIO' (have: $(ls "$HERE/scenarios" | tr '\n' ' '))" >&2; exit 64; }
# wrk-<scenario>.lua if there is one, else the generic POST script.
WRK_SCRIPT="$HERE/wrk-$SCENARIO.lua"
[[ -f "$WRK_SCRIPT" ]] || WRK_SCRIPT="$HERE/wrk-chat.lua"
ACCEPT="application/json"
[[ -f "$SCENARIO_DIR/response.sse" ]] && ACCEPT="text/event-stream"

if [[ -z "$PATHS" ]]; then
  PATHS="direct nginx shepherd${FLOOR_BIN:+ floor nio}${PEER:+ $PEER}"
fi
for p in $PATHS; do
  case "$p" in direct|nginx|shepherd|litellm) ;; floor|nio) [[ -x "$FLOOR_BIN" ]] || { echo "the floor path needs --floor BIN" >&2; exit 64; } ;; *) echo "unknown path '$p'" >&2; exit 64 ;; esac
done
# Absolute: each server runs in a directory of its own.
[[ -z "$FLOOR_BIN" ]] || FLOOR_BIN=$(cd "$(dirname "$FLOOR_BIN")" && pwd)/$(basename "$FLOOR_BIN")
[[ " $PATHS " == *" direct "* ]] || echo "note: 'direct' is not in --paths; added latency cannot be computed" >&2

NPROC=$(nproc)
UPSTREAM_WORKERS="${BENCH_UPSTREAM_WORKERS:-1}"
PROXY_WORKERS="${BENCH_PROXY_WORKERS:-$NPROC}"
LITELLM_WORKERS="${LITELLM_WORKERS:-$NPROC}"
LITELLM_VERSION="${LITELLM_VERSION:-1.108.7}"
LITELLM_VENV="$HERE/.venv-litellm"
LITELLM_MASTER_KEY="sk-bench-master-1234567890"
READY_TIMEOUT="${BENCH_READY_TIMEOUT:-180}"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="${OUT:-$REPO/bench/out/gateway-$STAMP.json}"

# ---------------------------------------------------------------- process bookkeeping
TMP=""
SERVER_PIDS=()
FG_PID=""

# Start a server in its own session/process group so the whole tree can be stopped at once.
# usage: start_server VAR LOGFILE CWD CMD...   (sets VAR to the pid, which is also the pgid)
start_server() {
  local __var="$1" logfile="$2" cwd="$3"; shift 3
  ( cd "$cwd" && exec setsid "$@" ) >"$logfile" 2>&1 </dev/null &
  local __pid=$!
  SERVER_PIDS+=("$__pid")
  printf -v "$__var" '%s' "$__pid"
}

stop_server() {
  local pid="$1" i
  [[ -n "$pid" ]] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  # Anything left in the group (workers that ignored TERM) is killed hard.
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
  if [[ -n "$FG_PID" ]]; then kill -TERM "$FG_PID" 2>/dev/null || true; wait "$FG_PID" 2>/dev/null || true; fi
  local pid
  for pid in "${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}"; do stop_server "$pid"; done
  if [[ -n "$TMP" && -d "$TMP" ]]; then
    # Kept for a look at the logs after a failure; not after a deliberate interrupt.
    if [[ "$KEEP_TMP" == 1 || ( $rc -ne 0 && $rc -ne 130 && $rc -ne 143 ) ]]; then
      echo "temporary files kept in $TMP" >&2
    else
      rm -rf "$TMP"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT
trap 'echo "terminated" >&2; exit 143' TERM

# Run a bounded child in the background and wait for it, so that a TERM to this script is handled
# at once (bash defers traps until a foreground child exits). Returns the child's exit code.
run_fg() {
  "$@" &
  FG_PID=$!
  local rc=0
  wait "$FG_PID" || rc=$?
  FG_PID=""
  return "$rc"
}

show_log_tail() {
  echo "---- last lines of $1" >&2
  tail -n 25 "$1" >&2 || true
  echo "----" >&2
}

# ---------------------------------------------------------------- prerequisites
ensure_packages() {
  local missing=()
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v python3 >/dev/null 2>&1 || die "python3 is required"
  command -v setsid >/dev/null 2>&1 || missing+=(util-linux)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing ${missing[*]} with apt-get"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's nginx package may start the system service; it is not ours and does not matter here.
}
ensure_packages
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

TMP=$(mktemp -d /tmp/shepherd-bench.XXXXXX)
chmod 755 "$TMP"   # nginx workers run as 'nobody' when started by root
RESULTS="$TMP/results.jsonl"
if [[ -f "$SCENARIO_DIR/request.json" ]]; then
  REQUEST_FILE="$SCENARIO_DIR/request.json"
else
  REQUEST_FILE="$TMP/request.json"
  python3 "$SCENARIO_DIR/make_request.py" "$REQUEST_FILE" 2>/dev/null || die "$SCENARIO/make_request.py failed"
fi
REQUEST_BYTES=$(wc -c <"$REQUEST_FILE")
: >"$RESULTS"
SKIPPED=()
FAILED=0

free_port() { python3 "$HELPERS" free-port; }

wait_ready() { # URL PID NAME LOG
  if ! run_fg python3 "$HELPERS" wait-http "$1" --status 200 --timeout "$READY_TIMEOUT" --pid "$2"; then
    show_log_tail "$4"
    return 1
  fi
}

# ---------------------------------------------------------------- load
# run_wrk CONNS DURATION URL KEY OUTFILE -> exit code of wrk
run_wrk() {
  local conns="$1" dur="$2" url="$3" key="$4" outfile="$5"
  local threads=$(( conns < 2 ? conns : 2 ))
  local secs; secs=$(to_seconds "$dur")
  BENCH_BODY_FILE="$REQUEST_FILE" BENCH_KEY="$key" BENCH_ACCEPT="$ACCEPT" \
    run_fg timeout --kill-after=5 $(( secs + 60 )) \
    wrk -t "$threads" -c "$conns" -d "$dur" --timeout 30s --latency -s "$WRK_SCRIPT" "$url" \
    >"$outfile" 2>&1
}

# measure PATH URL KEY NAME=PID...   (memory of each NAME=PID tree is sampled after each point)
measure() {
  local path="$1" url="$2" key="$3"; shift 3
  local mems=() cpus=(--cpu-pid "$$") m
  for m in "$@"; do mems+=(--mem "$m"); cpus+=(--cpu-pid "${m#*=}"); done

  printf '   smoke: '
  if ! python3 "$HELPERS" smoke "$url" "$REQUEST_FILE" "$key"; then
    echo "   $path: the gateway did not answer the smoke request correctly; skipping this path" >&2
    SKIPPED+=("$path=smoke request failed")
    FAILED=1
    return 0
  fi
  if [[ "$WARMUP" != "0" ]]; then
    local maxc=0 c
    for c in $CONNECTIONS; do (( c > maxc )) && maxc=$c; done
    printf '   warmup: %s at %s connections\n' "$WARMUP" "$maxc"
    run_wrk "$maxc" "$WARMUP" "$url" "$key" "$TMP/wrk-$path-warmup.txt" || true
    sleep "$PAUSE"
  fi
  for c in $CONNECTIONS; do
    local threads=$(( c < 2 ? c : 2 )) rc=0 outfile="$TMP/wrk-$path-c$c.txt"
    if (( WAIT_IDLE > 0 )); then
      run_fg python3 "$HELPERS" wait-idle --max "$WAIT_IDLE" "${cpus[@]/--cpu-pid/--pid}" || true
    fi
    python3 "$HELPERS" cpusnap "$TMP/cpu-before.json" "${cpus[@]/--cpu-pid/--pid}"
    run_wrk "$c" "$DURATION" "$url" "$key" "$outfile" || rc=$?
    python3 "$HELPERS" record --path "$path" --connections "$c" --threads "$threads" \
      --wrk-out "$outfile" --wrk-exit "$rc" "${mems[@]}" \
      --cpu-before "$TMP/cpu-before.json" "${cpus[@]}" >>"$RESULTS"
    tail -n 1 "$RESULTS" | python3 "$HELPERS" show
    sleep "$PAUSE"
  done
}

# ---------------------------------------------------------------- servers
start_nginx() { # VAR NAME -> config already in $TMP/NAME/nginx.conf
  local __v="$1" name="$2"
  "$NGINX" -t -q -p "$TMP/$name" -c "$TMP/$name/nginx.conf" -e "$TMP/$name/error.log" \
    || die "nginx config for $name is invalid"
  start_server "$__v" "$TMP/$name/stdout.log" "$TMP/$name" "$NGINX" -p "$TMP/$name" -c "$TMP/$name/nginx.conf" -e "$TMP/$name/error.log"
}

UPSTREAM_PORT=$(free_port)
python3 "$HELPERS" nginx-upstream "$TMP/upstream" "$UPSTREAM_PORT" "$UPSTREAM_WORKERS" "$SCENARIO_DIR"
UPSTREAM_PID=""
start_nginx UPSTREAM_PID upstream
wait_ready "http://127.0.0.1:$UPSTREAM_PORT/healthz" "$UPSTREAM_PID" upstream "$TMP/upstream/error.log" \
  || die "fake upstream did not start"
UPSTREAM_URL="http://127.0.0.1:$UPSTREAM_PORT"

log "Shepherd gateway benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "   machine: $NPROC cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); wrk, upstream and gateway share it"
echo "   scenario: $SCENARIO ($REQUEST_BYTES-byte request, upstream answers $ACCEPT)   paths: $PATHS   connections: $CONNECTIONS   duration: $DURATION per point"
echo "   fake upstream: nginx ($UPSTREAM_WORKERS worker) on $UPSTREAM_URL"

# Other processes on the machine (a compiler, a second benchmark) distort every figure.
python3 "$HELPERS" cpucheck --seconds 3 --pid "$$" --pid "$UPSTREAM_PID" >"$TMP/cpucheck.json"
OTHER_CPU=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["other_cores"])' "$TMP/cpucheck.json")
OTHER_TOP=$(python3 -c 'import json,sys; print(", ".join(t["name"] + " " + str(t["cores"]) for t in json.load(open(sys.argv[1]))["other_top"]))' "$TMP/cpucheck.json")
echo "   CPU used by other processes while idle: $OTHER_CPU cores${OTHER_TOP:+ ($OTHER_TOP)}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
if python3 -c "import sys; sys.exit(0 if $OTHER_CPU > 0.25 else 1)"; then
  echo "   WARNING: the machine is not idle; figures will be low and noisy. Each point reports"
  echo "            the CPU other processes used during it ('other processes'); --wait-idle SECONDS helps."
fi

# Each path has start_P (sets P_URL, P_KEY, P_PID; returns non-zero if it could not start) and
# run_P (start, measure with wrk, stop). The TTFB probe starts them all at once.
start_direct() { direct_URL="$UPSTREAM_URL/v1/chat/completions"; direct_KEY="sk-bench"; direct_PID=""; }

run_direct() {
  log "direct: wrk -> fake upstream"
  start_direct
  measure direct "$direct_URL" "$direct_KEY" "upstream=$UPSTREAM_PID"
}

start_nginx_proxy() {
  local port pid=""
  port=$(free_port)
  python3 "$HELPERS" nginx-proxy "$TMP/proxy" "$port" "$PROXY_WORKERS" "$UPSTREAM_PORT"
  start_nginx pid proxy
  nginx_PID="$pid"; nginx_URL="http://127.0.0.1:$port/v1/chat/completions"; nginx_KEY="sk-bench"
  if ! wait_ready "http://127.0.0.1:$port/healthz" "$pid" nginx "$TMP/proxy/error.log"; then
    SKIPPED+=("nginx=did not become ready"); FAILED=1; stop_server "$pid"; return 1
  fi
}

run_nginx() {
  log "nginx: wrk -> nginx proxy_pass ($PROXY_WORKERS workers, upstream keepalive) -> fake upstream"
  start_nginx_proxy || return 0
  measure nginx "$nginx_URL" "$nginx_KEY" "nginx=$nginx_PID" "upstream=$UPSTREAM_PID"
  stop_server "$nginx_PID"
}

SHEPHERD_VERSION=""
SHEPHERD_MEASURED=""
# ensure_shepherd: find or build the binary; non-zero (and the reason in SKIPPED) if there is none.
ensure_shepherd() {
  [[ -n "$SHEPHERD_VERSION" ]] && return 0
  if [[ -z "$SHEPHERD_BIN" ]]; then
    SHEPHERD_BIN="$REPO/.build/release/shepherd"
  fi
  if [[ ! -x "$SHEPHERD_BIN" ]]; then
    if [[ "$SHEPHERD_BIN_GIVEN" == 1 ]]; then
      echo "   SKIPPED: --shepherd $SHEPHERD_BIN is not an executable file" >&2
      SKIPPED+=("shepherd=binary $SHEPHERD_BIN not found"); FAILED=1; return 1
    fi
    if [[ "$NO_BUILD" == 1 ]]; then
      echo "   SKIPPED: $SHEPHERD_BIN does not exist and --no-build was given."
      echo "            Build it with: swift build -c release --product shepherd"
      SKIPPED+=("shepherd=binary missing and --no-build given"); return 1
    fi
    echo "   building: swift build -c release --product shepherd (log: $TMP/swift-build.log)"
    if ! (cd "$REPO" && swift build -c release --product shepherd) >"$TMP/swift-build.log" 2>&1; then
      show_log_tail "$TMP/swift-build.log"
      echo "   SKIPPED: the release build failed" >&2
      SKIPPED+=("shepherd=release build failed"); FAILED=1; return 1
    fi
  fi
  SHEPHERD_BIN=$(cd "$(dirname "$SHEPHERD_BIN")" && pwd)/$(basename "$SHEPHERD_BIN")
  SHEPHERD_VERSION=$(timeout 10 "$SHEPHERD_BIN" --version 2>/dev/null | head -n 1 || true)
  SHEPHERD_VERSION="${SHEPHERD_VERSION:-unknown}"
  echo "   binary: $SHEPHERD_BIN ($SHEPHERD_VERSION)"
}

# start_shepherd [UPSTREAM_BASE]: serve with the ledger on, in front of the fake upstream (or another).
start_shepherd() {
  ensure_shepherd || return 1
  local base="${1:-$UPSTREAM_URL}"
  local dir="$TMP/shepherd" port pid=""
  mkdir -p "$dir"
  port=$(free_port)
  cat >"$dir/shepherd.yaml" <<EOF
server: { host: 127.0.0.1, port: $port, auth: none }
storage: sqlite://bench.db
providers:
  upstream: { kind: openai, base_url: $base/v1, api_key: env:BENCH_UPSTREAM_KEY }
models:
  bench:
    targets:
      - { provider: upstream, model: gpt-4o-mini }
EOF
  start_server pid "$dir/shepherd.log" "$dir" \
    env BENCH_UPSTREAM_KEY=sk-bench "$SHEPHERD_BIN" serve --config "$dir/shepherd.yaml"
  shepherd_PID="$pid"; shepherd_URL="http://127.0.0.1:$port/v1/chat/completions"; shepherd_KEY="sk-bench-client"
  if ! wait_ready "http://127.0.0.1:$port/healthz" "$pid" shepherd "$dir/shepherd.log"; then
    SKIPPED+=("shepherd=did not become ready"); FAILED=1; stop_server "$pid"; return 1
  fi
}

run_shepherd() {
  log "shepherd: wrk -> shepherd serve -> fake upstream"
  start_shepherd || return 0
  SHEPHERD_MEASURED=1
  measure shepherd "$shepherd_URL" "$shepherd_KEY" "shepherd=$shepherd_PID" "upstream=$UPSTREAM_PID"
  stop_server "$shepherd_PID"
}

# The floor: the server and upstream pool Shepherd is built on, with nothing of Shepherd's between.
# start_floor_server NAME ARGS...: shepherd-floor as path NAME (sets NAME_URL, NAME_KEY, NAME_PID).
start_floor_server() {
  local name="$1" port pid=""; shift
  local upstream="$UPSTREAM_URL/v1/chat/completions"
  mkdir -p "$TMP/$name"
  port=$(free_port)
  start_server pid "$TMP/$name/$name.log" "$TMP/$name" "$FLOOR_BIN" --port "$port" --upstream "$upstream" "$@"
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_URL" '%s' "http://127.0.0.1:$port/v1/chat/completions"
  printf -v "${name}_KEY" '%s' "sk-bench"
  if ! wait_ready "http://127.0.0.1:$port/healthz" "$pid" "$name" "$TMP/$name/$name.log"; then
    SKIPPED+=("$name=did not become ready"); FAILED=1; stop_server "$pid"; return 1
  fi
}

start_floor() {
  local stream=()
  [[ "$ACCEPT" == "text/event-stream" ]] && stream=(--stream)
  start_floor_server floor "${stream[@]+"${stream[@]}"}"
}

start_nio() { start_floor_server nio --server nio; }

run_nio() {
  log "nio: wrk -> shepherd-floor --server nio (SwiftNIO alone) -> fake upstream"
  start_nio || return 0
  measure nio "$nio_URL" "$nio_KEY" "nio=$nio_PID" "upstream=$UPSTREAM_PID"
  stop_server "$nio_PID"
}

run_floor() {
  log "floor: wrk -> shepherd-floor (Hummingbird + Shepherd's upstream pool, nothing else) -> fake upstream"
  start_floor || return 0
  measure floor "$floor_URL" "$floor_KEY" "floor=$floor_PID" "upstream=$UPSTREAM_PID"
  stop_server "$floor_PID"
}

# check_body: Shepherd in front of a capturing upstream; is the forwarded body the client's bytes
# with only "model" changed (no decode and re-encode of the whole body)? Non-streaming requests.
BODY_CHECK_FILE=""
check_body() {
  grep -q '"stream":true' "$REQUEST_FILE" && return 0
  log "body check: what the upstream receives from Shepherd vs what the client sent"
  local cport cpid="" out="$TMP/capture"
  cport=$(free_port)
  start_server cpid "$TMP/capture.log" "$TMP" python3 "$HERE/probe.py" capture-upstream "$cport" "$out" "$HERE/scenarios/chat/response.json"
  wait_ready "http://127.0.0.1:$cport/healthz" "$cpid" capture "$TMP/capture.log" || { stop_server "$cpid"; return 0; }
  if start_shepherd "http://127.0.0.1:$cport"; then
    python3 "$HELPERS" smoke "$shepherd_URL" "$REQUEST_FILE" "$shepherd_KEY" >/dev/null || true
    BODY_CHECK_FILE="$TMP/body-check.json"
    if python3 "$HERE/probe.py" compare-body "$REQUEST_FILE" "$out/body-1.bin" --model bench,gpt-4o-mini >"$BODY_CHECK_FILE"; then
      echo "   byte-identical apart from \"model\": $(cat "$BODY_CHECK_FILE")"
    else
      echo "   DIFFERENT: $(cat "$BODY_CHECK_FILE")"; FAILED=1
    fi
    stop_server "$shepherd_PID"
  fi
  stop_server "$cpid"
}

LITELLM_INSTALLED=""
ensure_litellm() {
  if [[ -x "$LITELLM_VENV/bin/litellm" ]]; then
    LITELLM_INSTALLED=$("$LITELLM_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))' 2>/dev/null || true)
    [[ "$LITELLM_INSTALLED" == "$LITELLM_VERSION" ]] && return 0
    echo "   cached venv has litellm '$LITELLM_INSTALLED', want $LITELLM_VERSION; reinstalling"
  fi
  echo "   installing litellm[proxy]==$LITELLM_VERSION into $LITELLM_VENV (log: $TMP/pip.log)"
  python3 -m venv "$LITELLM_VENV" || return 1
  "$LITELLM_VENV/bin/pip" install -q --upgrade pip >"$TMP/pip.log" 2>&1 || true
  "$LITELLM_VENV/bin/pip" install -q "litellm[proxy]==$LITELLM_VERSION" >>"$TMP/pip.log" 2>&1 \
    || { show_log_tail "$TMP/pip.log"; return 1; }
  LITELLM_INSTALLED=$("$LITELLM_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))')
}

start_litellm() {
  if ! ensure_litellm; then
    echo "   SKIPPED: could not install litellm" >&2
    SKIPPED+=("litellm=install failed"); FAILED=1; return 1
  fi
  echo "   litellm $LITELLM_INSTALLED"
  local dir="$TMP/litellm" port pid=""
  mkdir -p "$dir"
  port=$(free_port)
  cat >"$dir/config.yaml" <<EOF
model_list:
  - model_name: bench
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: $UPSTREAM_URL/v1
      api_key: sk-bench
general_settings:
  master_key: $LITELLM_MASTER_KEY
EOF
  local wargs=()
  if (( LITELLM_WORKERS > 1 )); then
    # Without a long health-check timeout its workers are respawned forever on a busy machine.
    wargs=(--num_workers "$LITELLM_WORKERS" --timeout_worker_healthcheck 120)
  fi
  start_server pid "$dir/litellm.log" "$dir" \
    env LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOG=ERROR NO_PROXY='*' no_proxy='*' \
    "$LITELLM_VENV/bin/litellm" --config "$dir/config.yaml" --host 127.0.0.1 --port "$port" "${wargs[@]}"
  litellm_PID="$pid"; litellm_URL="http://127.0.0.1:$port/v1/chat/completions"; litellm_KEY="$LITELLM_MASTER_KEY"
  if ! wait_ready "http://127.0.0.1:$port/health/readiness" "$pid" litellm "$dir/litellm.log"; then
    SKIPPED+=("litellm=did not become ready"); FAILED=1; stop_server "$pid"; return 1
  fi
}

run_litellm() {
  log "litellm: wrk -> LiteLLM proxy ($LITELLM_WORKERS workers) -> fake upstream"
  start_litellm || return 0
  measure litellm "$litellm_URL" "$litellm_KEY" "litellm=$litellm_PID" "upstream=$UPSTREAM_PID"
  stop_server "$litellm_PID"
}

# TTFB: every path up at once (idle ones cost nothing), requests sent to each in turn.
TTFB_FILE=""
run_ttfb() {
  log "time to first byte: $TTFB_N sequential requests per path, paths in turn (round robin)"
  local p targets=() started=()
  for p in $PATHS; do
    case "$p" in
      direct) start_direct ;;
      nginx) start_nginx_proxy || continue; started+=("$nginx_PID") ;;
      shepherd) start_shepherd || continue; started+=("$shepherd_PID") ;;
      floor) start_floor || continue; started+=("$floor_PID") ;;
      nio) start_nio || continue; started+=("$nio_PID") ;;
      litellm) start_litellm || continue; started+=("$litellm_PID") ;;
    esac
    local u="${p}_URL" k="${p}_KEY"
    targets+=(--target "$p,${!u},${!k}")
  done
  TTFB_FILE="$TMP/ttfb.json"
  run_fg python3 "$HERE/probe.py" ttfb "${targets[@]}" --body "$REQUEST_FILE" -n "$TTFB_N" \
    --warmup $(( TTFB_N / 10 + 10 )) --out "$TTFB_FILE" || { echo "   the TTFB probe failed" >&2; FAILED=1; }
  for p in "${started[@]+"${started[@]}"}"; do stop_server "$p"; done
}

for p in $PATHS; do
  "run_$p"
done
if [[ -f "$SCENARIO_DIR/make_request.py" && " $PATHS " == *" shepherd "* ]]; then
  check_body
fi
(( TTFB_N > 0 )) && run_ttfb

# ---------------------------------------------------------------- report
log "summary"
META=(--meta "command=bench/gateway/run.sh $ARGV_ORIG"
      --meta "scenario=$SCENARIO" --meta "request_bytes=$REQUEST_BYTES" --meta "accept=$ACCEPT" --meta "duration=$DURATION" --meta "warmup=$WARMUP"
      --meta "connections=$CONNECTIONS" --meta "paths=$PATHS"
      --meta "threads=min(2, connections)"
      --meta "wrk=$(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}')"
      --meta "nginx=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
      --meta "upstream_workers=$UPSTREAM_WORKERS" --meta "proxy_workers=$PROXY_WORKERS"
      --meta "idle_other_cpu_cores_at_start=$OTHER_CPU" --meta "wait_idle_s=$WAIT_IDLE")
[[ " $PATHS " == *" litellm "* ]] && META+=(--meta "litellm=$LITELLM_INSTALLED" --meta "litellm_workers=$LITELLM_WORKERS")
[[ -n "$SHEPHERD_MEASURED" ]] && META+=(--meta "shepherd_bin=$SHEPHERD_BIN" --meta "shepherd_version=$SHEPHERD_VERSION")
GIT_REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "none")
META+=(--meta "git_rev=$GIT_REV")
SKIP_ARGS=()
for s in "${SKIPPED[@]+"${SKIPPED[@]}"}"; do SKIP_ARGS+=(--skipped "$s"); done
ATTACH=()
[[ -n "$TTFB_FILE" ]] && ATTACH+=(--attach "ttfb=$TTFB_FILE")
[[ -n "$BODY_CHECK_FILE" ]] && ATTACH+=(--attach "body_check=$BODY_CHECK_FILE")
python3 "$HERE/report.py" --results "$RESULTS" --out "$OUT" "${META[@]}" "${SKIP_ARGS[@]+"${SKIP_ARGS[@]}"}" "${ATTACH[@]+"${ATTACH[@]}"}"

if [[ "$FAILED" == 1 ]]; then
  echo "some paths failed; see the messages above" >&2
  exit 2
fi
