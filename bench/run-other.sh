# Sourced by bench/run: strace overhead, controller, OOM-to-alert.
tracer_overhead() { not_measured tracer.collector "driver not written yet"; }
controller() { not_measured controller.alerts "needs the controller (not merged yet)"; }
oom_to_alert() { not_measured oom.p99 "needs porthole up from the CLI branch (not merged yet)"; }
