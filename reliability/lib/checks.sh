# Sourced by reliability/run: what the REST view shows, polled until a row's expected alerts and
# remediation results are there or its time is up, and the counts each row reports.

api() { curl -s --max-time 5 -H "Authorization: Bearer $1" "$CONTROLLER_URL$2"; }

# The OOM_KILLED alerts of the view (all hosts), or {"alerts": []} while the controller is down.
oom_view() {
  local body
  body=$(api "$VIEWER_TOKEN" '/api/v1/alerts?rule=OOM_KILLED&limit=1000')
  jq -e '.alerts' >/dev/null 2>&1 <<<"$body" && echo "$body" || echo '{"alerts": []}'
}

# await_alerts EXPECTED_JSON LIMIT_SECONDS T0_MS: polls the view until every expected container
# ([{"id","name"}]) has an OOM_KILLED alert, at most LIMIT_SECONDS after now. Leaves the last view
# in $WORK/view.json and sets AWAIT_RECOVER (seconds from T0 until the last one arrived; null when
# some never did).
await_alerts() {
  local expected=$1 limit=$2 t0=$3 deadline=$((SECONDS + $2)) last=$3 id
  local -A seen=()
  local want
  want=$(jq -r '.[].id' <<<"$expected" | sort -u)
  local total
  total=$(wc -w <<<"$want")
  AWAIT_RECOVER=null
  while :; do
    oom_view >"$WORK/view.json"
    for id in $(jq -r '.alerts[].containerId' "$WORK/view.json" | sort -u | comm -12 - <(echo "$want")); do
      [[ -n ${seen[$id]:-} ]] || { seen[$id]=$(now_ms); last=${seen[$id]}; }
    done
    if ((${#seen[@]} >= total)); then
      AWAIT_RECOVER=$(awk -v a="$last" -v b="$t0" 'BEGIN {d = (a - b) / 1000; printf "%.1f", d < 0 ? 0 : d}')
      return 0
    fi
    ((SECONDS > deadline)) && return 1
    sleep 0.5
  done
}

# alert_counts EXPECTED_JSON VIEW_FILE: {expected, received, lost, lost_ids, duplicated,
# duplicated_ids, alert_ids}. An expected container is received when the view holds an OOM_KILLED
# alert for it; duplicated counts the extra distinct alert ids one container's death got (the same
# death raised twice under different ids) and the same id listed twice by the view.
alert_counts() {
  jq -c --argjson expected "$1" '
    [.alerts[] | select(.containerId as $c | $expected | any(.id == $c))] as $mine
    | ($expected | map(.id as $c | {id: $c, name, ids: ([$mine[] | select(.containerId == $c) | .alertId] | unique),
                                  listed: ([$mine[] | select(.containerId == $c)] | length)})) as $per
    | {expected: ($expected | length),
       received: ($per | map(select(.ids | length > 0)) | length),
       lost: ($per | map(select(.ids | length == 0)) | length),
       lost_ids: ($per | map(select(.ids | length == 0) | "\(.name) \(.id[0:12])")),
       duplicated: ($per | map((.ids | length - 1 | if . < 0 then 0 else . end) + (.listed - (.ids | length))) | add // 0),
       duplicated_ids: ($per | map(select((.ids | length) > 1 or .listed > (.ids | length)) | "\(.name) \(.id[0:12]): \(.ids | join(","))")),
       alert_ids: ($per | map(.ids[]))}' "$2"
}

# POST /api/v1/remediations with the operator token; prints the remediation id or nothing.
remediate() {
  local body=$1 answer
  answer=$(curl -s --max-time 10 -H "Authorization: Bearer $OPERATOR_TOKEN" -H 'Content-Type: application/json' \
    -d "$body" "$CONTROLLER_URL/api/v1/remediations")
  echo "$(date -u +%H:%M:%S) POST $body -> $answer" >>"$LOG"
  jq -r '.id // empty' <<<"$answer" 2>/dev/null
}

remediation_status() {
  api "$VIEWER_TOKEN" "/api/v1/remediations/$1" | jq -r '.status // "UNKNOWN"' 2>/dev/null || echo UNKNOWN
}

# await_remediations LIMIT_SECONDS T0_MS ID...: polls until every id has a final status
# (SUCCEEDED, FAILED, REJECTED). Sets AWAIT_RECOVER like await_alerts (null unless all SUCCEEDED).
await_remediations() {
  local limit=$1 t0=$2 deadline=$((SECONDS + $1)) last=$2 id status done
  shift 2
  local -A final=()
  AWAIT_RECOVER=null
  while :; do
    done=0
    for id in "$@"; do
      if [[ -z ${final[$id]:-} ]]; then
        status=$(remediation_status "$id")
        case $status in SUCCEEDED|FAILED|REJECTED) final[$id]=$status; last=$(now_ms) ;; esac
      fi
      [[ -n ${final[$id]:-} ]] && done=$((done + 1))
    done
    if ((done == $#)); then
      local id2 ok=1
      for id2 in "$@"; do [[ ${final[$id2]} == SUCCEEDED ]] || ok=0; done
      ((ok)) && AWAIT_RECOVER=$(awk -v a="$last" -v b="$t0" 'BEGIN {d = (a - b) / 1000; printf "%.1f", d < 0 ? 0 : d}')
      return 0
    fi
    ((SECONDS > deadline)) && return 1
    sleep 0.5
  done
}

# remediation_counts LABEL=ID...: {expected, received, lost, lost_ids} where received means SUCCEEDED
# in the view; a lost one names its label, id, status and detail.
remediation_counts() {
  local pair label id json='[]' entry
  for pair in "$@"; do
    label=${pair%%=*}; id=${pair#*=}
    entry=$(api "$VIEWER_TOKEN" "/api/v1/remediations/$id")
    jq -e . >/dev/null 2>&1 <<<"$entry" || entry='{}'
    json=$(jq -c --arg kind "$label" --arg id "$id" --argjson e "$entry" \
      '. + [{kind: $kind, id: $id, status: ($e.status // "NOT IN VIEW"), detail: ($e.detail // "")}]' <<<"$json")
  done
  jq -c '{expected: length, received: map(select(.status == "SUCCEEDED")) | length,
          lost: map(select(.status != "SUCCEEDED")) | length,
          lost_ids: map(select(.status != "SUCCEEDED") | "\(.kind) \(.id): \(.status) \(.detail)"),
          duplicated: 0, duplicated_ids: [], remediations: .}' <<<"$json"
}

# Containers of the run: named $NAME_PREFIX-ROW-N, labelled with the run, never --rm (the engine must
# remember them for reconciliation). run_container [-H ENGINE] NAME DOCKER_RUN_ARGS...
run_container() {
  local engine=()
  if [[ $1 == -H ]]; then engine=(-H "$2"); shift 2; fi
  local name=$1
  shift
  docker "${engine[@]}" run -d --name "$name" --label "$LABEL" "$@" >/dev/null 2>>"$LOG" \
    || { log "docker run $name failed"; return 1; }
  docker "${engine[@]}" inspect -f '{{.Id}}' "$name"
}
OOM_ARGS=(--memory 16m --memory-swap 16m "$PORTHOLE_BUSYBOX_IMAGE")
OOM_NOW=(dd if=/dev/zero of=/dev/null bs=64M count=1)

remove_own_containers() {
  docker ps -aq --filter "label=$LABEL" | grep -v -x "$(docker inspect -f '{{.Id}}' "$BROKER_CONTAINER" 2>/dev/null | cut -c1-12)" \
    | xargs -r docker rm -f >/dev/null 2>&1
  return 0
}

# row_write FAULT WHAT COUNTS_JSON RECOVER [VAR=JSON ...]: the row's record for the report.
row_write() {
  local fault=$1 what=$2 counts=$3 recover=$4
  shift 4
  local extra='{}' pair
  for pair in "$@"; do
    extra=$(jq -c --arg k "${pair%%=*}" --argjson v "${pair#*=}" '. + {($k): $v}' <<<"$extra")
  done
  jq -n --arg fault "$fault" --arg what "$what" --argjson counts "$counts" --argjson recover "$recover" \
    --argjson rss "$(rss_json)" --argjson extra "$extra" \
    '{fault: $fault, what: $what} + $counts + {recover_seconds: $recover, peak_rss_mb: $rss} + $extra' \
    >"$ROWS_DIR/$(printf '%02d' $(($(ls "$ROWS_DIR" | wc -l) + 1)))-$fault.json"
  log "$fault: $(jq -r '"expected \(.expected), received \(.received), lost \(.lost), duplicated \(.duplicated), recovered in \(.recover_seconds // "-") s"' <<<"$(cat "$ROWS_DIR"/*-"$fault".json)")"
}
