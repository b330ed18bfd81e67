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
controller() { not_measured controller.alerts "needs the controller (not merged into main yet)"; }
oom_to_alert() { not_measured oom.p99 "needs porthole up from the CLI branch (not merged into main yet)"; }
