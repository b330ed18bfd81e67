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
oom_to_alert() { not_measured oom.p99 "no driver yet: it needs to run porthole up and time each OOM die event to its alert on GET /api/v1/alerts"; }
