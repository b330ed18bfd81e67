# Sourced by reliability/run: a second Docker engine on this machine, playing a second host whose
# engine the suite may stop and start (the machine's main engine is never restarted). It has its own
# data and exec roots, pid file, socket, containerd namespaces and its own bridge; it shares the
# main engine's containerd. engine2_teardown removes all of it by name.

E2_ROOT=/var/tmp/$NAME_PREFIX-engine
E2_SOCK=$E2_ROOT/docker.sock
E2_HOST=unix://$E2_SOCK
E2_BRIDGE=prel${RUN_ID: -8}
E2_NAMESPACE=$NAME_PREFIX
E2_PID=""
E2_STARTED=""
E2_GATEWAY=""
MAIN_CONTAINERD=/var/run/docker/containerd/containerd.sock

e2() { docker -H "$E2_HOST" "$@"; }

# A /24 in 10.254.0.0/16 that no route of this machine uses.
engine2_pick_subnet() {
  local n
  for n in $(seq 10 250); do
    ip -4 route | grep -q "^10\.254\.$n\." || { echo "$n"; return; }
  done
  return 1
}

engine2_launch() {
  dockerd --data-root "$E2_ROOT/data" --exec-root "$E2_ROOT/exec" --pidfile "$E2_ROOT/docker.pid" \
    -H "$E2_HOST" --containerd "$MAIN_CONTAINERD" \
    --containerd-namespace "$E2_NAMESPACE" --containerd-plugins-namespace "$E2_NAMESPACE-plugins" \
    --iptables=false --ip-masq=false --bridge="$E2_BRIDGE" --live-restore \
    >>"$RAW/engine2.log" 2>&1 &
  E2_PID=$!
  local deadline=$((SECONDS + 60))
  until e2 info >/dev/null 2>&1; do
    if ! kill -0 "$E2_PID" 2>/dev/null || ((SECONDS > deadline)); then
      log "the second engine did not answer (see $RAW/engine2.log)"
      return 1
    fi
    sleep 0.2
  done
}

engine2_setup() {
  [[ -n $E2_STARTED ]] && return 0
  [[ -S $MAIN_CONTAINERD ]] || { log "no containerd socket at $MAIN_CONTAINERD to share"; return 1; }
  local n
  n=$(engine2_pick_subnet) || { log "no free 10.254.N.0/24 for the second engine's bridge"; return 1; }
  E2_GATEWAY=10.254.$n.1
  E2_STARTED=yes
  mkdir -p "$E2_ROOT/data" "$E2_ROOT/exec"
  log "second engine: bridge $E2_BRIDGE ($E2_GATEWAY/24), socket $E2_SOCK, data under $E2_ROOT"
  ip link add "$E2_BRIDGE" type bridge || return 1
  ip addr add "$E2_GATEWAY/24" dev "$E2_BRIDGE" || return 1
  ip link set "$E2_BRIDGE" up || return 1
  engine2_launch || return 1
  docker save "$PORTHOLE_BUSYBOX_IMAGE" | e2 load >>"$LOG" 2>&1 || { log "loading $PORTHOLE_BUSYBOX_IMAGE into the second engine failed"; return 1; }
}

# Stops the engine (SIGTERM; --live-restore keeps its containers running) and waits for its exit.
engine2_stop() {
  [[ -n $E2_PID ]] || return 0
  kill -TERM "$E2_PID" 2>/dev/null
  local deadline=$((SECONDS + 30))
  while kill -0 "$E2_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -KILL "$E2_PID" 2>/dev/null
  wait "$E2_PID" 2>/dev/null
  E2_PID=""
}

engine2_teardown() {
  [[ -n $E2_STARTED ]] || return 0
  if [[ -z $E2_PID ]] && [[ -d $E2_ROOT/data ]]; then engine2_launch >/dev/null 2>&1; fi
  if [[ -n $E2_PID ]]; then
    e2 ps -aq --filter "label=$LABEL" | xargs -r docker -H "$E2_HOST" rm -f >/dev/null 2>&1
    e2 rmi -f "$PORTHOLE_BUSYBOX_IMAGE" >/dev/null 2>&1
  fi
  engine2_stop
  # Mounts the engine left under its roots (overlay layers, netns), deepest first.
  awk -v root="$E2_ROOT" 'index($2, root) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  ctr --address "$MAIN_CONTAINERD" namespaces remove "$E2_NAMESPACE" >/dev/null 2>&1
  ctr --address "$MAIN_CONTAINERD" namespaces remove "$E2_NAMESPACE-plugins" >/dev/null 2>&1
  ip link show "$E2_BRIDGE" >/dev/null 2>&1 && ip link del "$E2_BRIDGE"
  rm -rf "$E2_ROOT"
  E2_STARTED=""
}
