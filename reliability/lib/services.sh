# Sourced by reliability/run: Porthole's services as separate `porthole` processes (the jar, the
# launcher's JVM options), started, killed and restarted by name; their peak RSS (VmHWM).

declare -A SVC_PID=() SVC_ROLE=() SVC_PEAK_KB=()
SVC_NAMES=()

# The launcher's own JVM options (./porthole), so the processes are those operators run.
read -r -a PORTHOLE_JVM <<<"$(sed -n 's/.*PORTHOLE_JAVA_OPTS:-\([^}]*\)}.*/\1/p' "$ROOT/porthole")"
((${#PORTHOLE_JVM[@]})) || PORTHOLE_JVM=(-Xms64m -Xmx1g -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError)

# One set of credentials for every service of the run (the collectors verify what the controller signs).
VIEWER_TOKEN=viewer-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
OPERATOR_TOKEN=operator-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
# The command key pair as operators make it: the controller signs, the collectors only verify.
porthole_command_keys "$WORK/keys"

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    ss -ltn | awk '{print $4}' | grep -q ":$port\$" || { echo "$port"; return; }
  done
}
CONTROLLER_PORT=$(free_port)
CONTROLLER_URL=http://127.0.0.1:$CONTROLLER_PORT
HOST_A=rel-a-$RUN_ID
HOST_B=rel-b-$RUN_ID
# The collectors do not trace by label: other work on this engine may run labelled containers, and
# strace from two collectors cannot attach to the same process. No row needs syscalls.
NO_STRACE=porthole-reliability-no-strace

# svc_launch NAME ROLE [VAR=VALUE ...] -- ARGS...: starts `porthole ROLE ARGS` and waits for its
# "running:" line (90 s). Output goes to $RAW/NAME.out and NAME.err (appended across restarts).
svc_launch() {
  local name=$1 role=$2 envs=()
  shift 2
  while [[ $# -gt 0 && $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  local out=$RAW/$name.out
  echo "--- $(date -u +%H:%M:%S) start" >>"$out"
  local from=$(($(wc -l <"$out") + 1))
  env -u PORTHOLE_CONFIG_FILE PORTHOLE_VIEWER_TOKEN="$VIEWER_TOKEN" PORTHOLE_OPERATOR_TOKEN="$OPERATOR_TOKEN" \
    PORTHOLE_COMMAND_SIGNING_KEY_FILE="$WORK/keys/command-signing.pem" \
    PORTHOLE_COMMAND_VERIFY_KEY_FILE="$WORK/keys/command-verify.pem" "${envs[@]}" \
    java "${PORTHOLE_JVM[@]}" -jar "$JAR" "$role" --kafka "$BOOTSTRAP" --topic-prefix "$PREFIX" "$@" \
    >>"$out" 2>>"$RAW/$name.err" &
  SVC_PID[$name]=$!
  SVC_ROLE[$name]=$role
  [[ " ${SVC_NAMES[*]} " == *" $name "* ]] || SVC_NAMES+=("$name")
  local deadline=$((SECONDS + 90))
  until tail -n "+$from" "$out" | grep -q '^running: '; do
    if ! kill -0 "${SVC_PID[$name]}" 2>/dev/null; then
      log "$name ($role) exited during start: $(tail -n 3 "$RAW/$name.err" | tr '\n' ' ')"
      return 1
    fi
    if ((SECONDS > deadline)); then
      log "$name ($role) did not say running within 90 s"
      return 1
    fi
    sleep 0.2
  done
  log "$name ($role) running, pid ${SVC_PID[$name]}"
}

svc_alive() { [[ -n ${SVC_PID[$1]:-} ]] && kill -0 "${SVC_PID[$1]}" 2>/dev/null; }

# The process's peak RSS since its start or the last rss_reset, folded into the row's peak per role.
svc_sample_rss() {
  local name=$1 kb
  svc_alive "$name" || return 0
  kb=$(awk '/^VmHWM:/ {print $2}' "/proc/${SVC_PID[$name]}/status" 2>/dev/null)
  [[ -n $kb ]] || return 0
  local role=${SVC_ROLE[$name]}
  ((kb > ${SVC_PEAK_KB[$role]:-0})) && SVC_PEAK_KB[$role]=$kb
  return 0
}

# Starts a row's peak RSS figures afresh: VmHWM is reset to the current RSS (clear_refs 5).
rss_reset() {
  local name
  SVC_PEAK_KB=()
  for name in "${SVC_NAMES[@]}"; do
    svc_alive "$name" && echo 5 >"/proc/${SVC_PID[$name]}/clear_refs" 2>/dev/null
  done
  return 0
}

rss_sample_all() {
  local name
  for name in "${SVC_NAMES[@]}"; do svc_sample_rss "$name"; done
}

# {"collector": MB, "analyzer": MB, "controller": MB} of the row so far.
rss_json() {
  rss_sample_all
  local role json='{}'
  for role in "${!SVC_PEAK_KB[@]}"; do
    json=$(jq -c --arg r "$role" --argjson kb "${SVC_PEAK_KB[$role]}" '. + {($r): (($kb / 1024) | floor)}' <<<"$json")
  done
  echo "$json"
}

svc_kill9() {
  local name=$1
  svc_sample_rss "$name"
  svc_alive "$name" || return 0
  kill -KILL "${SVC_PID[$name]}" 2>/dev/null
  wait "${SVC_PID[$name]}" 2>/dev/null
  log "$name killed with SIGKILL"
}

svc_stop() {
  local name=$1 deadline
  svc_sample_rss "$name"
  svc_alive "$name" || return 0
  kill -TERM "${SVC_PID[$name]}" 2>/dev/null
  deadline=$((SECONDS + 40))
  while svc_alive "$name" && ((SECONDS < deadline)); do sleep 0.2; done
  kill -KILL "${SVC_PID[$name]}" 2>/dev/null
  wait "${SVC_PID[$name]}" 2>/dev/null
}

services_stop_all() {
  local name
  for name in "${SVC_NAMES[@]}"; do
    svc_alive "$name" && kill -TERM "${SVC_PID[$name]}" 2>/dev/null
  done
  local deadline=$((SECONDS + 40))
  for name in "${SVC_NAMES[@]}"; do
    while svc_alive "$name" && ((SECONDS < deadline)); do sleep 0.2; done
    svc_alive "$name" && kill -KILL "${SVC_PID[$name]}" 2>/dev/null
  done
  return 0
}

# The analyzers run with a 10 s session timeout (kafka.consumer.* passes through): a killed
# instance's partitions move to the survivor (or to its restarted self) after at most that long
# instead of the client default of 45 s.
ANALYZER_ENV=(PORTHOLE_KAFKA_CONSUMER_SESSION_TIMEOUT_MS=10000 PORTHOLE_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS=1000)

start_controller() { svc_launch controller controller -- --http-port "$CONTROLLER_PORT" --data-dir "$WORK/controller"; }
# Analyzers and collectors serve /metrics and /health on any free port (--http-port 0): two of a
# kind run at once in some rows, and their default ports (9465, 9464) may be taken.
start_analyzer() { svc_launch "$1" analyzer "${ANALYZER_ENV[@]}" -- --data-dir "$WORK/$1" --http-port 0; }
# start_collector NAME HOST_ID [VAR=VALUE ...]: the data directory is the same across restarts.
start_collector() {
  local name=$1 host=$2
  shift 2
  mkdir -p "$WORK/$name"
  svc_launch "$name" collector PORTHOLE_STRACE_BINARY=$NO_STRACE PORTHOLE_HEARTBEAT_INTERVAL=2s \
    PORTHOLE_REMEDIATION_DATA_DIR="$WORK/$name/remediation" "$@" -- --host-id "$host" --data-dir "$WORK/$name" --http-port 0
}

# Waits until GET /health/ready answers 200 (views caught up), at most $1 seconds.
controller_ready() {
  local deadline=$((SECONDS + ${1:-60}))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "$CONTROLLER_URL/health/ready") == 200 ]]; do
    ((SECONDS > deadline)) && return 1
    sleep 0.2
  done
}

services_start_base() {
  start_controller || return 1
  start_analyzer analyzer-1 || return 1
  start_collector collector-a "$HOST_A" || return 1
  ANALYZER=analyzer-1
  controller_ready 60 || { log "the controller never became ready"; return 1; }
}
