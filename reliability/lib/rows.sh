# Sourced by reliability/run: one function per fault. Each row records what it did, what it expected
# (OOM_KILLED alerts by container, remediation results by id), what the REST view showed after the
# fault, how long recovery took and the peak RSS of the Porthole processes during the row.

OOM_LATER='sleep 4; exec dd if=/dev/zero of=/dev/null bs=64M count=1'

# expect JSON ID NAME: JSON with {"id","name"} appended.
expect() { jq -c --arg id "$2" --arg name "$3" '. + [{id: $id, name: $name}]' <<<"$1"; }

# row_error FAULT WHAT REASON: a row that could not be carried out counts as failed (lost null).
row_error() {
  log "$1: not carried out: $3"
  rss_json >/dev/null
  jq -n --arg fault "$1" --arg what "$2" --arg reason "$3" --argjson rss "$(rss_json)" \
    '{fault: $fault, what: $what, expected: null, received: null, lost: null, lost_ids: [], duplicated: null,
      duplicated_ids: [], recover_seconds: null, peak_rss_mb: $rss, error: $reason}' \
    >"$ROWS_DIR/$(printf '%02d' $(($(ls "$ROWS_DIR" | wc -l) + 1)))-$1.json"
}

# Waits until the controller's containers view shows NAME running on HOST (a remediation resolves its
# target there), at most 30 s.
await_container_known() {
  local name=$1 host=$2 deadline=$((SECONDS + 30))
  until api "$VIEWER_TOKEN" "/api/v1/containers?host=$host" \
      | jq -e --arg n "$name" '.containers | any(.name == $n and .state == "running")' >/dev/null 2>&1; do
    ((SECONDS > deadline)) && { log "the controller does not know $name on $host after 30 s"; return 1; }
    sleep 0.3
  done
}

host_entry() {
  api "$VIEWER_TOKEN" /api/v1/hosts | jq -c --arg h "$1" '(.hosts // .)[]? | select(.hostId == $h)' 2>/dev/null | head -n1
}

sum_counts() { jq -c -s '{expected: (map(.expected) | add), received: (map(.received) | add), lost: (map(.lost) | add),
  lost_ids: (map(.lost_ids) | add), duplicated: (map(.duplicated) | add), duplicated_ids: (map(.duplicated_ids) | add),
  alert_ids: (map(.alert_ids // []) | add), remediations: (map(.remediations // []) | add)}' <<<"$*"; }

# field_of JSON FIELD: the field, or {} when the JSON is empty or lacks it.
field_of() { jq -c --arg f "$2" '.[$f] // {}' <<<"${1:-null}" 2>/dev/null || echo '{}'; }

max_recover() {
  local a
  for a in "$@"; do [[ $a == null ]] && { echo null; return; }; done
  printf '%s\n' "$@" | sort -g | tail -n1
}

# ---------------------------------------------------------------------------------------------
row_collector_kill() {
  local fault=collector-kill expected='[]' dies='[]' id name i gap_start t_restart names=()
  local what="collector kill -9 while containers are OOM-killed and exit, restart with the same data dir"
  rss_reset
  name=$NAME_PREFIX-ck-before
  id=$(run_container "$name" "${OOM_ARGS[@]}" "${OOM_NOW[@]}") || { row_error $fault "$what" "docker run failed"; return; }
  expected=$(expect "$expected" "$id" "$name"); dies=$(expect "$dies" "$id" "$name")
  await_alerts "$expected" 30 "$(now_ms)" || log "$fault: the OOM kill before the crash raised no alert within 30 s"
  # One death is already on its way when the collector dies: the container OOMs 4 s after it started.
  name=$NAME_PREFIX-ck-under-way
  id=$(run_container "$name" "${OOM_ARGS[@]}" sh -c "$OOM_LATER") || { row_error $fault "$what" "docker run failed"; return; }
  expected=$(expect "$expected" "$id" "$name"); dies=$(expect "$dies" "$id" "$name"); names+=("$name")
  svc_kill9 collector-a
  gap_start=$SECONDS
  for ((i = 1; i <= GAP_OOMS; i++)); do
    name=$NAME_PREFIX-ck-gap-oom-$i
    id=$(run_container "$name" "${OOM_ARGS[@]}" "${OOM_NOW[@]}") || continue
    expected=$(expect "$expected" "$id" "$name"); dies=$(expect "$dies" "$id" "$name"); names+=("$name")
  done
  name=$NAME_PREFIX-ck-gap-exit-3
  id=$(run_container "$name" "$PORTHOLE_BUSYBOX_IMAGE" sh -c 'exit 3') && { dies=$(expect "$dies" "$id" "$name"); names+=("$name"); }
  for name in "${names[@]}"; do timeout 30 docker wait "$name" >/dev/null 2>&1; done
  local down=$((SECONDS - gap_start))
  t_restart=$(now_ms)
  start_collector collector-a "$HOST_A" || { row_error $fault "$what" "the collector did not restart"; return; }
  await_alerts "$expected" "$RECOVER_LIMIT" "$t_restart"
  row_write $fault "$what; down $down s; $GAP_OOMS OOM kills and 1 exit 3 during the gap, 1 OOM kill under way at the kill, 1 before" \
    "$(alert_counts "$expected" "$WORK/view.json")" "$AWAIT_RECOVER" die_containers="$dies"
}

# Publishes a synthetic backlog for an analyzer (flows + OOM deaths of host $1) in the background;
# the container ids of the deaths land in $WORK/$1.ids once Kafka acknowledged everything.
synthetic_load() {
  java -cp "$JAR" "$REL_DIR/driver/SyntheticLoad.java" "$BOOTSTRAP" "$PREFIX" "$1" "$SYNTHETIC_FLOWS" "$SYNTHETIC_DEATHS" \
    >"$WORK/$1.ids" 2>>"$LOG" &
  LOADER=$!
}

# Waits until the view holds some but not all OOM alerts of host $1, then kills analyzer $2 with
# SIGKILL; sets KILLED_AT (alerts seen at the kill).
kill_mid_batch() {
  local host=$1 victim=$2 n deadline=$((SECONDS + 120))
  while :; do
    n=$(oom_view | jq --arg h "$host" '[.alerts[] | select(.hostId == $h)] | length')
    ((n > 0)) && break
    ((SECONDS > deadline)) && break
    sleep 0.1
  done
  svc_kill9 "$victim"
  KILLED_AT=$n
}

synthetic_expected() {
  jq -R -s -c 'split("\n") | map(select(length > 0)) | to_entries | map({id: .value, name: "rel-synthetic-\(.key)"})' "$WORK/$1.ids"
}

row_analyzer_kill() {
  local fault=analyzer-kill host=rel-syn1-$RUN_ID t_restart expected
  local what="analyzer kill -9 in the middle of a backlog of $SYNTHETIC_FLOWS flows with $SYNTHETIC_DEATHS OOM deaths, restart"
  rss_reset
  synthetic_load "$host"
  kill_mid_batch "$host" "$ANALYZER"
  wait "$LOADER" || { row_error $fault "$what" "publishing the backlog failed (see raw/run.log)"; return; }
  expected=$(synthetic_expected "$host")
  t_restart=$(now_ms)
  start_analyzer "$ANALYZER" || { row_error $fault "$what" "the analyzer did not restart"; return; }
  await_alerts "$expected" "$RECOVER_LIMIT" "$t_restart"
  row_write $fault "$what; killed with $KILLED_AT of $SYNTHETIC_DEATHS alerts in the view" \
    "$(alert_counts "$expected" "$WORK/view.json")" "$AWAIT_RECOVER" die_containers="$expected"
}

row_analyzer_one_of_two() {
  local fault=analyzer-one-of-two host=rel-syn2-$RUN_ID t_kill expected deadline
  local what="two analyzers in one group, one killed with kill -9 in the middle of a backlog of $SYNTHETIC_FLOWS flows with $SYNTHETIC_DEATHS OOM deaths, not restarted"
  rss_reset
  start_analyzer analyzer-2 || { row_error $fault "$what" "the second analyzer did not start"; return; }
  # Both members own partitions before the load starts.
  deadline=$((SECONDS + 60))
  until grep -q 'assigned [1-9]' "$RAW/analyzer-2.err" 2>/dev/null || ((SECONDS > deadline)); do sleep 0.3; done
  synthetic_load "$host"
  kill_mid_batch "$host" "$ANALYZER"
  t_kill=$(now_ms)
  local killed=$ANALYZER
  ANALYZER=analyzer-2
  wait "$LOADER" || { row_error $fault "$what" "publishing the backlog failed (see raw/run.log)"; return; }
  expected=$(synthetic_expected "$host")
  await_alerts "$expected" "$RECOVER_LIMIT" "$t_kill"
  row_write $fault "$what; $killed killed with $KILLED_AT of $SYNTHETIC_DEATHS alerts in the view, analyzer-2 takes over (session timeout 10 s)" \
    "$(alert_counts "$expected" "$WORK/view.json")" "$AWAIT_RECOVER" die_containers="$expected"
}

row_broker_restart() {
  local fault=broker-restart expected='[]' dies='[]' id name ip i ttl iso cap t_down t_up before after ra rr
  local what="Kafka broker stopped for $BROKER_DOWN_SECONDS s and started while the collector publishes flows of HTTP load"
  rss_reset
  # Load: two containers fetching a page from a third over docker0 as fast as they can (short flows).
  run_container "$NAME_PREFIX-br-server" "$PORTHOLE_BUSYBOX_IMAGE" httpd -f -p 80 -h /www >/dev/null \
    || { row_error $fault "$what" "docker run failed"; return; }
  ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$NAME_PREFIX-br-server")
  for i in 1 2; do
    run_container "$NAME_PREFIX-br-client-$i" "$PORTHOLE_BUSYBOX_IMAGE" \
      sh -c "while true; do wget -q -O /dev/null http://$ip/ 2>/dev/null; done" >/dev/null
  done
  run_container "$NAME_PREFIX-br-isolated" "$PORTHOLE_BUSYBOX_IMAGE" sleep 600 >/dev/null
  # The capture's target is quiet, so that it runs its whole duration (a busy one hits the packet cap
  # at once) and its result is written while the broker is down.
  run_container "$NAME_PREFIX-br-quiet" "$PORTHOLE_BUSYBOX_IMAGE" sleep 600 >/dev/null
  await_container_known "$NAME_PREFIX-br-isolated" "$HOST_A" && await_container_known "$NAME_PREFIX-br-quiet" "$HOST_A" \
    || { row_error $fault "$what" "the controller never saw the target containers"; return; }
  sleep 3 # some load before the outage: the counters below are a baseline, not a synchronisation
  before=$(host_entry "$HOST_A")
  # An isolation whose TTL restore falls inside the outage, and a capture that ends inside it: both
  # results are written while the broker is down.
  ttl=$((11 + BROKER_DOWN_SECONDS / 2))
  iso=$(remediate "{\"action\":\"ISOLATE_NETWORK\",\"container\":\"$NAME_PREFIX-br-isolated\",\"hostId\":\"$HOST_A\",\"reason\":\"fault suite: broker restart\",\"ttlSeconds\":$ttl}")
  [[ -n $iso ]] && await_remediations 30 "$(now_ms)" "$iso" || { row_error $fault "$what" "the isolation before the outage did not finish"; return; }
  cap=$(remediate "{\"action\":\"CAPTURE_PACKETS\",\"container\":\"$NAME_PREFIX-br-quiet\",\"hostId\":\"$HOST_A\",\"reason\":\"fault suite: broker restart\",\"durationSeconds\":8}")
  [[ -n $cap ]] || { row_error $fault "$what" "the capture request was refused"; return; }
  broker_stop
  t_down=$SECONDS
  log "$fault: broker stopped"
  for i in 1 2; do
    name=$NAME_PREFIX-br-oom-$i
    id=$(run_container "$name" "${OOM_ARGS[@]}" "${OOM_NOW[@]}") || continue
    expected=$(expect "$expected" "$id" "$name"); dies=$(expect "$dies" "$id" "$name")
  done
  while ((SECONDS - t_down < BROKER_DOWN_SECONDS)); do sleep 0.2; done
  broker_restart_after_stop || { row_error $fault "$what" "the broker did not start again"; return; }
  t_up=$(now_ms)
  local unavailable=$((SECONDS - t_down))
  log "$fault: broker up again after $unavailable s"
  await_alerts "$expected" "$RECOVER_LIMIT" "$t_up"; ra=$AWAIT_RECOVER
  local alerts
  alerts=$(alert_counts "$expected" "$WORK/view.json")
  await_remediations "$RECOVER_LIMIT" "$t_up" "$cap" "$iso-ttl-restore"; rr=$AWAIT_RECOVER
  sleep 3 # one more heartbeat (2 s) after recovery, for the counters
  after=$(host_entry "$HOST_A")
  docker rm -f "$NAME_PREFIX-br-client-1" "$NAME_PREFIX-br-client-2" >/dev/null 2>&1
  row_write $fault "$what; unavailable $unavailable s in all (stopped for $BROKER_DOWN_SECONDS s, then its start); 2 OOM kills, a capture ending and an isolation's TTL restore while it is down" \
    "$(sum_counts "$alerts" "$(remediation_counts "capture=$cap" "ttl-restore=$iso-ttl-restore")")" \
    "$(max_recover "$ra" "$rr")" die_containers="$dies" \
    collector_counters_before="$(field_of "$before" counters)" collector_counters_after="$(field_of "$after" counters)" \
    collector_degraded_after="$(field_of "$after" degradedSources)"
}

engine2_collector() {
  engine2_setup || return 1
  svc_alive collector-b && return 0
  start_collector collector-b "$HOST_B" PORTHOLE_DOCKER_HOST="$E2_HOST" PORTHOLE_CAPTURE_INTERFACES="$E2_BRIDGE" || return 1
  # The rows need the collector's events stream attached: a probe container that exits must show as
  # exited in the controller's view (only a die event does that). Measured once: an OOM kill right
  # after the collector said it had started raised no alert.
  local probe=$NAME_PREFIX-e2-probe deadline=$((SECONDS + 30))
  run_container -H "$E2_HOST" "$probe" "$PORTHOLE_BUSYBOX_IMAGE" sh -c 'sleep 1; exit 7' >/dev/null || return 1
  until api "$VIEWER_TOKEN" "/api/v1/containers?host=$HOST_B" \
      | jq -e --arg n "$probe" '.containers | any(.name == $n and .state == "exited")' >/dev/null 2>&1; do
    ((SECONDS > deadline)) && { log "collector-b: the probe's exit did not reach the view within 30 s"; return 1; }
    sleep 0.3
  done
  log "collector-b: events of the second engine reach the view (probe exited after $((SECONDS - deadline + 30)) s)"
}

row_engine_restart() {
  local fault=engine-restart expected='[]' dies='[]' id name pids=() t_down t_up p deadline
  local what="second Docker engine (--live-restore) stopped while a container exits 3 and one is OOM-killed, then started"
  rss_reset
  engine2_collector || { row_error $fault "$what" "the second engine or its collector did not start"; return; }
  name=$NAME_PREFIX-er-before
  id=$(run_container -H "$E2_HOST" "$name" "${OOM_ARGS[@]}" "${OOM_NOW[@]}") || { row_error $fault "$what" "docker run failed"; return; }
  expected=$(expect "$expected" "$id" "$name"); dies=$(expect "$dies" "$id" "$name")
  await_alerts "$expected" 30 "$(now_ms)" || log "$fault: the OOM kill before the restart raised no alert within 30 s"
  name=$NAME_PREFIX-er-oom-while-down
  id=$(run_container -H "$E2_HOST" "$name" "${OOM_ARGS[@]}" sh -c "$OOM_LATER") || { row_error $fault "$what" "docker run failed"; return; }
  expected=$(expect "$expected" "$id" "$name"); dies=$(expect "$dies" "$id" "$name")
  pids+=("$(e2 inspect -f '{{.State.Pid}}' "$name")")
  name=$NAME_PREFIX-er-exit-while-down
  id=$(run_container -H "$E2_HOST" "$name" "$PORTHOLE_BUSYBOX_IMAGE" sh -c 'sleep 4; exit 3') && dies=$(expect "$dies" "$id" "$name")
  pids+=("$(e2 inspect -f '{{.State.Pid}}' "$name")")
  engine2_stop
  t_down=$SECONDS
  log "$fault: second engine stopped"
  deadline=$((SECONDS + 30))
  for p in "${pids[@]}"; do
    while [[ -n $p ]] && kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  done
  sleep 1
  engine2_launch || { row_error $fault "$what" "the second engine did not start again"; return; }
  t_up=$(now_ms)
  local down=$((SECONDS - t_down))
  log "$fault: second engine up again after $down s"
  await_alerts "$expected" "$RECOVER_LIMIT" "$t_up"
  local engine_says
  engine_says=$(e2 inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' "$NAME_PREFIX-er-oom-while-down" 2>/dev/null)
  row_write $fault "$what; down $down s" \
    "$(alert_counts "$expected" "$WORK/view.json")" "$AWAIT_RECOVER" die_containers="$dies" \
    engine_record_of_oom_while_down="$(jq -R -c 'split(" ") | {oom_killed: .[0], exit_code: .[1]}' <<<"$engine_says")"
}

row_ttl_restore_transient() {
  local fault=ttl-restore-transient name iso t_iso t_up ttl=8 deadline restored=no
  local what="isolation with a TTL of ${ttl} s on the second engine's host; the engine is stopped from 3 s before the restore is due until 5 s after it"
  rss_reset
  engine2_collector || { row_error $fault "$what" "the second engine or its collector did not start"; return; }
  name=$NAME_PREFIX-tr-isolated
  run_container -H "$E2_HOST" "$name" "$PORTHOLE_BUSYBOX_IMAGE" sleep 600 >/dev/null || { row_error $fault "$what" "docker run failed"; return; }
  await_container_known "$name" "$HOST_B" || { row_error $fault "$what" "the controller never saw the target"; return; }
  iso=$(remediate "{\"action\":\"ISOLATE_NETWORK\",\"container\":\"$name\",\"hostId\":\"$HOST_B\",\"reason\":\"fault suite: TTL restore\",\"ttlSeconds\":$ttl}")
  t_iso=$SECONDS
  [[ -n $iso ]] && await_remediations 20 "$(now_ms)" "$iso" && [[ $(remediation_status "$iso") == SUCCEEDED ]] \
    || { row_error $fault "$what" "the isolation failed: $(api "$VIEWER_TOKEN" "/api/v1/remediations/$iso" | jq -r .detail)"; return; }
  e2 exec "$name" ping -c1 -W1 "$E2_GATEWAY" >/dev/null 2>&1 && log "$fault: the isolated container still reaches $E2_GATEWAY"
  while ((SECONDS - t_iso < ttl - 3)); do sleep 0.1; done
  engine2_stop
  log "$fault: second engine stopped"
  while ((SECONDS - t_iso < ttl + 5)); do sleep 0.1; done
  engine2_launch || { row_error $fault "$what" "the second engine did not start again"; return; }
  t_up=$(now_ms)
  log "$fault: second engine up again"
  await_remediations "$RECOVER_LIMIT" "$t_up" "$iso-ttl-restore"
  local recover=$AWAIT_RECOVER
  # The result must be true: the container reaches its gateway again.
  deadline=$((SECONDS + 10))
  until e2 exec "$name" ping -c1 -W1 "$E2_GATEWAY" >/dev/null 2>&1 && restored=yes || ((SECONDS > deadline)); do sleep 0.5; done
  local counts
  counts=$(remediation_counts "ttl-restore=$iso-ttl-restore")
  if [[ $restored != yes ]]; then
    counts=$(jq -c --arg gw "$E2_GATEWAY" '.received = 0 | .lost = 1 | .lost_ids += ["the container does not reach its gateway \($gw) after recovery"]' <<<"$counts")
    recover=null
  fi
  row_write $fault "$what" "$counts" "$recover" network_restored="\"$restored\""
}

row_controller_restart() {
  local fault=controller-restart c1=$NAME_PREFIX-cr-capture c2=$NAME_PREFIX-cr-isolate r1 r2 r3 t_up
  local what="controller kill -9 right after accepting a capture (5 s), an isolation with a 4 s TTL and a file extraction, restarted after 2 s"
  rss_reset
  run_container "$c1" "$PORTHOLE_BUSYBOX_IMAGE" sleep 600 >/dev/null && run_container "$c2" "$PORTHOLE_BUSYBOX_IMAGE" sleep 600 >/dev/null \
    || { row_error $fault "$what" "docker run failed"; return; }
  await_container_known "$c1" "$HOST_A" && await_container_known "$c2" "$HOST_A" \
    || { row_error $fault "$what" "the controller never saw the target containers"; return; }
  r1=$(remediate "{\"action\":\"CAPTURE_PACKETS\",\"container\":\"$c1\",\"hostId\":\"$HOST_A\",\"reason\":\"fault suite: controller restart\",\"durationSeconds\":5}")
  r2=$(remediate "{\"action\":\"ISOLATE_NETWORK\",\"container\":\"$c2\",\"hostId\":\"$HOST_A\",\"reason\":\"fault suite: controller restart\",\"ttlSeconds\":4}")
  r3=$(remediate "{\"action\":\"EXTRACT_FILE\",\"hostId\":\"$HOST_A\",\"image\":\"$PORTHOLE_BUSYBOX_IMAGE\",\"path\":\"/etc/passwd\",\"reason\":\"fault suite: controller restart\"}")
  [[ -n $r1 && -n $r2 && -n $r3 ]] || { row_error $fault "$what" "a remediation request was refused (see raw/run.log)"; return; }
  svc_kill9 controller
  sleep 2
  t_up=$(now_ms)
  start_controller || { row_error $fault "$what" "the controller did not restart"; return; }
  await_remediations "$RECOVER_LIMIT" "$t_up" "$r1" "$r2" "$r2-ttl-restore" "$r3"
  row_write $fault "$what" "$(remediation_counts "capture=$r1" "isolate=$r2" "ttl-restore=$r2-ttl-restore" "extract=$r3")" "$AWAIT_RECOVER"
}
