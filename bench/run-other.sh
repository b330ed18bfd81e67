# Sourced by bench/run: strace overhead, controller, OOM-to-alert.
tracer_overhead() {
  if ! docker info >/dev/null 2>&1; then
    not_measured tracer.collector "the docker engine does not answer"
    return
  fi
  local bootstrap=""
  start_kafka && bootstrap=127.0.0.1:$KAFKA_PORT
  log "strace overhead: $TRACER_LOOPS loops x $TRACER_ITERATIONS rounds (untraced, plain strace, SyscallTracer)"
  component_java io.porthole.bench.BenchMain tracer "$TRACER_PREFIX" "$TRACER_LOOPS" "$TRACER_ITERATIONS" $bootstrap >>"$LOG" 2>&1 \
    || not_measured tracer.collector "the tracer driver failed (see raw/run.log)"
}
controller() {
  if ! command -v wrk >/dev/null; then
    log "installing wrk (Debian package) for the controller figure"
    apt-get install -y -q wrk >>"$LOG" 2>&1 || { not_measured controller.alerts "wrk is not installed and apt-get install wrk failed"; return; }
  fi
  if ! start_kafka; then
    not_measured controller.alerts "no broker (docker run apache/kafka:3.9.1 failed, see raw/run.log)"
    return
  fi
  # The alerts of the latency figure (its topics) fill the controller's view; without them the list is empty.
  log "controller: wrk against GET /api/v1/alerts?limit=50 and a bare vertx-web route, $TOOL_ITERATIONS x ${WRK_SECONDS}s"
  component_java io.porthole.bench.BenchMain controller "127.0.0.1:$KAFKA_PORT" "bench-lat-$RUN_ID." "$WRK_SECONDS" "$TOOL_ITERATIONS" >>"$LOG" 2>&1 \
    || not_measured controller.alerts "the controller driver failed (see raw/run.log)"
}
# OOM kill to alert visible on GET /api/v1/alerts: `porthole up` (the shaded jar, its own JVM, the
# launcher's JVM options) on the bench's broker; the driver OOM-kills containers one at a time and
# times each engine die event to the alert on the controller (see OomToAlert.java).
oom_to_alert() {
  if ! docker info >/dev/null 2>&1 || ! docker image inspect porthole/busybox:test >/dev/null 2>&1; then
    not_measured oom.p99 "the docker engine does not answer or the image porthole/busybox:test is missing (dev/test builds it)"
    return
  fi
  local reps=10 jar=$ROOT/app/target/porthole.jar
  [[ $MODE == quick ]] && reps=10
  if [[ ! -f $jar ]] || [[ -n $(find "$ROOT/pom.xml" "$ROOT"/{proto,runtime,collector,analyzer,controller,app} \
      \( -name pom.xml -o -path '*/src/main/*' \) -type f -newer "$jar" -print -quit 2>/dev/null) ]]; then
    log "oom: building app/target/porthole.jar (mvn -pl app -am package; not part of the figure)"
    (cd "$ROOT" && mvn -B -q -o -DskipTests package -pl app -am) >>"$LOG" 2>&1 \
      || (cd "$ROOT" && mvn -B -q -DskipTests package -pl app -am) >>"$LOG" 2>&1 \
      || { not_measured oom.p99 "building app/target/porthole.jar failed (see raw/run.log)"; return; }
  fi
  # The launcher's own JVM options (./porthole), so the figure is that of the command operators run.
  local opts=()
  read -r -a opts <<<"$(sed -n 's/.*PORTHOLE_JAVA_OPTS:-\([^}]*\)}.*/\1/p' "$ROOT/porthole")"
  ((${#opts[@]})) || opts=(-Xms64m -Xmx1g -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError)
  [[ -n ${BENCH_JFR:-} ]] && opts+=(-XX:StartFlightRecording=filename="$RAW_DIR/oom-up-$(date +%H%M%S).jfr",settings=profile)
  local kafka=() broker="embedded broker of porthole up (start_kafka failed)"
  if start_kafka; then
    kafka=(--kafka "127.0.0.1:$KAFKA_PORT")
    broker="the bench's broker (apache/kafka:3.9.1 in docker) via --kafka"
  fi
  local dir=$WORK/oom-$RUN_ID names=porthole-bench-oom-$RUN_ID prefix=bench-oom-$RUN_ID.
  local out=$dir/up.stdout up started ready_s
  rm -rf "$dir" && mkdir -p "$dir" && : >"$out"
  log "oom: porthole up (${kafka[*]:-embedded broker}, topic prefix $prefix), then $reps OOM kills + 1 warm-up"
  started=$SECONDS
  # Generated credentials (a fresh data dir), as a first `porthole up` makes them; the token is read
  # from what it prints.
  env -u PORTHOLE_VIEWER_TOKEN -u PORTHOLE_OPERATOR_TOKEN -u PORTHOLE_COMMAND_KEY -u PORTHOLE_CONFIG_FILE \
    java "${opts[@]}" -jar "$jar" up "${kafka[@]}" --topic-prefix "$prefix" --http-port 0 --data-dir "$dir/data" \
    >"$out" 2>>"$LOG" &
  up=$!
  STARTED_PIDS+=("$up")
  # Containers of this run go by id, also when the run is interrupted here (the driver removes its own too).
  local saved_trap
  saved_trap=$(trap -p EXIT)
  trap "kill $up 2>/dev/null; docker ps -aq --filter label=porthole.bench.oom=$names | xargs -r docker rm -f >/dev/null 2>&1; cleanup" EXIT
  local deadline=$((SECONDS + 120)) failure=""
  until grep -q '^running:' "$out"; do
    if ! kill -0 "$up" 2>/dev/null; then failure="porthole up exited before it was ready (see raw/run.log)"; break; fi
    if ((SECONDS > deadline)); then failure="porthole up was not ready within 120 s (see raw/run.log)"; break; fi
    sleep 0.2
  done
  if [[ -z $failure ]] && ! grep -q '^running:.*collector' "$out"; then
    failure="porthole up runs without its collector: $(grep '^running:' "$out") (see raw/run.log)"
  fi
  if [[ -z $failure ]]; then
    ready_s=$((SECONDS - started))
    info oom.setup "porthole up $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) (java ${opts[*]} -jar app/target/porthole.jar up ${kafka[*]} --topic-prefix $prefix --http-port 0 --data-dir NEW_DIR), $broker; ready (printed 'running: ...') ${ready_s} s after the start"
    bench_java oom "$out" "$(sed -n 's/^kafka: //p' "$out")" "$prefix" "$names" "$reps" >>"$LOG" 2>&1 \
      || failure="the OOM driver failed (see raw/run.log)"
  fi
  [[ -n $failure ]] && not_measured oom.p99 "$failure"
  kill -TERM "$up" 2>/dev/null
  deadline=$((SECONDS + 40))
  while kill -0 "$up" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  kill -KILL "$up" 2>/dev/null
  wait "$up" 2>/dev/null
  docker ps -aq --filter "label=porthole.bench.oom=$names" | xargs -r docker rm -f >/dev/null 2>&1
  eval "$saved_trap"
  rm -rf "$dir"
  log "oom: done in $((SECONDS - started)) s"
}
