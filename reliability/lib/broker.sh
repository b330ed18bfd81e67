# Sourced by reliability/run: the suite's own one-node Kafka broker, a named container of the local
# apache/kafka:3.9.1 image on a fixed loopback port, so that it can be stopped and started again
# (docker stop/start keeps its data and its port) without touching anyone else's broker.

BROKER_CONTAINER=$NAME_PREFIX-kafka
BROKER_PORT=""
BOOTSTRAP=""

# Waits until the broker's log has said it is ready $1 times (each start says it once more).
broker_await_ready() {
  local starts=$1 deadline=$((SECONDS + 90))
  until (($(docker logs "$BROKER_CONTAINER" 2>&1 | grep -c 'Kafka Server started') >= starts)); do
    if ((SECONDS > deadline)); then log "broker $BROKER_CONTAINER not ready within 90 s"; return 1; fi
    sleep 0.3
  done
}

broker_start() {
  BROKER_PORT=$(free_port)
  BOOTSTRAP=127.0.0.1:$BROKER_PORT
  log "starting broker $BROKER_CONTAINER ($PORTHOLE_KAFKA_IMAGE) on $BOOTSTRAP"
  docker run -d --name "$BROKER_CONTAINER" --label "$LABEL" -p "127.0.0.1:$BROKER_PORT:9092" \
    -e KAFKA_NODE_ID=1 -e KAFKA_PROCESS_ROLES=broker,controller \
    -e KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093 \
    -e KAFKA_ADVERTISED_LISTENERS="PLAINTEXT://127.0.0.1:$BROKER_PORT" \
    -e KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT \
    -e KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER -e KAFKA_INTER_BROKER_LISTENER_NAME=PLAINTEXT \
    -e KAFKA_CONTROLLER_QUORUM_VOTERS=1@localhost:9093 \
    -e KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1 -e KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1 \
    -e KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1 -e KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0 \
    -e KAFKA_AUTO_CREATE_TOPICS_ENABLE=false \
    -e CLUSTER_ID=UmVsaWFiaWxpdHlTdWl0ZQ \
    "$PORTHOLE_KAFKA_IMAGE" >>"$LOG" 2>&1 || return 1
  broker_await_ready 1
}

broker_stop() { docker stop -t 10 "$BROKER_CONTAINER" >>"$LOG" 2>&1; }

broker_restart_after_stop() {
  local starts
  starts=$(($(docker logs "$BROKER_CONTAINER" 2>&1 | grep -c 'Kafka Server started') + 1))
  docker start "$BROKER_CONTAINER" >>"$LOG" 2>&1 || return 1
  broker_await_ready "$starts"
}

broker_remove() {
  [[ -n $BROKER_PORT ]] && docker rm -f "$BROKER_CONTAINER" >/dev/null 2>&1
  return 0
}
