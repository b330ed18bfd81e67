# Sourced by reliability/run: the topics read once at the end (alert deliveries per id, die events,
# command results), then latest.json and latest.md from the rows' records.

topics_snapshot() {
  local topic tails=()
  for topic in alerts container-events command-results; do
    java "${PORTHOLE_JVM[@]}" -jar "$JAR" tail "$topic" --kafka "$BOOTSTRAP" --topic-prefix "$PREFIX" --from-beginning \
      --timeout 15 >"$WORK/topic-$topic.jsonl" 2>>"$LOG" &
    tails+=($!)
  done
  wait "${tails[@]}"
  # Only what the report needs: alert ids, die events by container, results by command id.
  jq -c 'select(.alertId) | .alertId' "$WORK/topic-alerts.jsonl" | jq -s -c 'group_by(.) | map({(.[0]): length}) | add // {}' \
    >"$WORK/alert-deliveries.json"
  jq -c 'select(.containerEvent.action == "DIE") | .containerId' "$WORK/topic-container-events.jsonl" | jq -s -c 'unique' \
    >"$WORK/died.json"
  jq -c 'select(.commandId) | .commandId' "$WORK/topic-command-results.jsonl" | jq -s -c 'unique' >"$WORK/results.json"
}

report_write() {
  local rows finished wall
  finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  wall=$((SECONDS - STARTED_SECONDS))
  rows=$(jq -s -c \
    --slurpfile deliveries "$WORK/alert-deliveries.json" --slurpfile died "$WORK/died.json" --slurpfile results "$WORK/results.json" '
    map(. as $row
      | (if $row.die_containers then
           {events_expected: ($row.die_containers | length),
            events_received: ([$row.die_containers[] | select(.id as $c | $died[0] | index($c))] | length),
            events: "die events of the row'\''s containers on porthole.container-events.v1",
            events_missing: [$row.die_containers[] | select(.id as $c | $died[0] | index($c) | not) | "\(.name) \(.id[0:12])"]}
         elif $row.remediations then
           {events_expected: ($row.remediations | length),
            events_received: ([$row.remediations[] | select(.id as $c | $results[0] | index($c))] | length),
            events: "result records of the row'\''s remediations on porthole.command-results.v1",
            events_missing: [$row.remediations[] | select(.id as $c | $results[0] | index($c) | not) | "\(.kind) \(.id)"]}
         else {events_expected: null, events_received: null, events: null, events_missing: []} end) as $events
      | ($row | del(.die_containers)) + $events
        + {alert_records_on_topic: (if $row.alert_ids then ([$row.alert_ids[] | $deliveries[0][.] // 0] | add // 0) else null end),
           passed: ($row.lost == 0)})' "$ROWS_DIR"/*.json 2>/dev/null || echo '[]')
  # A row that wrote no record (the runner itself failed in it) is a failed row, not a missing one.
  local row
  for row in "${WANTED_ROWS[@]}"; do
    jq -e --arg f "$row" 'any(.fault == $f)' <<<"$rows" >/dev/null || rows=$(jq -c --arg f "$row" '. + [{fault: $f,
      what: "", expected: null, received: null, lost: null, lost_ids: [], duplicated: null, duplicated_ids: [],
      recover_seconds: null, peak_rss_mb: {}, error: "the row wrote no record (see raw/run.log)", passed: false}]' <<<"$rows")
  done
  jq -n --arg mode "$MODE" --arg run "$RUN_ID" --arg started "$STARTED_AT" --arg finished "$finished" \
    --argjson wall "$wall" --arg commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')" \
    --arg load "$LOAD_AT_START" --argjson cores "$(nproc)" --arg kernel "$(uname -r)" \
    --arg docker "$(docker version --format '{{.Server.Version}}' 2>/dev/null)" --argjson rows "$rows" \
    --argjson limit "$RECOVER_LIMIT" --argjson down "$BROKER_DOWN_SECONDS" \
    '{suite: "porthole reliability (issue 12)", mode: $mode, run_id: $run, started: $started, finished: $finished,
      wall_seconds: $wall, commit: $commit,
      machine: {cores: $cores, kernel: $kernel, docker: $docker, load_average_at_start: $load},
      settings: {recover_limit_seconds: $limit, broker_down_seconds: $down},
      passed: (($rows | length) > 0 and ($rows | all(.lost == 0))), rows: $rows}' >"$RESULTS/latest.json"
  report_markdown >"$RESULTS/latest.md"
}

report_markdown() {
  jq -r '
    def n: if . == null then "-" else tostring end;
    def rss: if . == null or . == {} then "-" else to_entries | map("\(.key) \(.value)") | join(", ") end;
    "# Porthole fault suite: \(.mode) run \(.run_id)",
    "",
    "\(.started) to \(.finished), \(.wall_seconds) s wall time, commit \(.commit); \(.machine.cores) cores, load average at start \(.machine.load_average_at_start), kernel \(.machine.kernel), Docker \(.machine.docker).",
    "",
    "**\(if .passed then "PASSED" else "FAILED" end)**: \([.rows[] | select(.passed)] | length) of \(.rows | length) rows lost nothing. A row passes when `lost` is 0. How to read this: [docs/reliability.md](../../docs/reliability.md).",
    "",
    "| fault | events expected | events received | alerts/results expected | received | lost | duplicated | alert records on topic | recovered in (s) | peak RSS (MB) | |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    (.rows[] | "| \(.fault) | \(.events_expected | n) | \(.events_received | n) | \(.expected | n) | \(.received | n) | \(.lost | n) | \(.duplicated | n) | \(.alert_records_on_topic | n) | \(.recover_seconds | n) | \(.peak_rss_mb | rss) | \(if .passed then "ok" else "**FAILED**" end) |"),
    "",
    "## What each row did, and what was missing",
    "",
    (.rows[] |
      "### \(.fault)",
      "",
      "\(.what).",
      "",
      (if .error then "- not carried out: \(.error)" else empty end),
      (if .events then "- events: \(.events)\(if (.events_missing | length) > 0 then "; missing: \(.events_missing | join("; "))" else "" end)" else empty end),
      (if (.lost_ids | length) > 0 then "- lost: \(.lost_ids | join("; "))" else empty end),
      (if (.duplicated_ids | length) > 0 then "- duplicated: \(.duplicated_ids | join("; "))" else empty end),
      (if .collector_counters_after then "- collector counters before the outage: \(.collector_counters_before | tostring)", "- collector counters after recovery: \(.collector_counters_after | tostring)", "- degraded sources after recovery: \(.collector_degraded_after | tostring)" else empty end),
      (if .engine_record_of_oom_while_down then "- the engine'\''s record of the container OOM-killed while it was down: OOMKilled=\(.engine_record_of_oom_while_down.oom_killed), exit code \(.engine_record_of_oom_while_down.exit_code)" else empty end),
      (if .network_restored then "- network restored (the container pings its gateway): \(.network_restored)" else empty end),
      (if .remediations then (.remediations[] | "- \(.kind) \(.id): \(.status) \(.detail)") else empty end),
      "")' "$RESULTS/latest.json"
}

# Exit status of the run: 0 only when every row ran and lost nothing.
report_passed() {
  if jq -e '.passed' "$RESULTS/latest.json" >/dev/null; then
    log "passed: lost = 0 on every row ($(( SECONDS - STARTED_SECONDS )) s)"
    return 0
  fi
  log "FAILED: $(jq -r '[.rows[] | select(.passed | not) | .fault] | join(", ")' "$RESULTS/latest.json") lost something or did not run ($(( SECONDS - STARTED_SECONDS )) s)"
  return 1
}
