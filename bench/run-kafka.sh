# Sourced by bench/run: publishing, analyzer, latency and memory figures, all against one broker
# (start_kafka). The component JVMs and their ceilings (Kafka's perf tools) run with the same flags.
# A fixed 128 MB heap, 64 MB of it young (it was 144/80: since the analyzer holds fewer records in
# flight, 3,000, the smaller heap measured 269 MB of peak RSS against 277-305 and no more full
# collections after the warm-up), with the serial collector: with -Xms32m the analyzer's
# heap grew through full collections of 60-280 ms; ParallelGC with its adaptive sizing shrank the
# young generation to ~38 MB and its two GC threads, on 2 cores shared with the broker and other
# work, averaged 46 ms a young collection (JFR, docs/benchmarks.md). BENCH_COMPONENT_JVM replaces
# the flags (to compare collectors).
COMPONENT_JVM=(${BENCH_COMPONENT_JVM:--Xms128m -Xmx128m -Xmn64m -XX:+UseSerialGC})
# The flat-cost figure tracks up to 50,000 containers (5 times the analyzer's default cap): its JVMs
# get the heap that takes.
SCALE_JVM=(${BENCH_SCALE_JVM:--Xms512m -Xmx512m -Xmn192m -XX:+UseSerialGC})
# BENCH_JFR=1 bench/run ... records a JFR profile of each component JVM into bench/results/raw/.
component_java() {
  local jfr=()
  [[ -n ${BENCH_JFR:-} ]] && jfr=(-XX:StartFlightRecording=filename="$RAW_DIR/$(date +%H%M%S%N).jfr",settings=profile)
  java "${COMPONENT_JVM[@]}" "${jfr[@]}" -Dbench.results="$RAW" -cp "$CP" "$@"
}

publishing() {
  if ! start_kafka; then
    not_measured publish.collector "no broker (docker run apache/kafka:3.9.1 failed, see raw/run.log)"
    not_measured publish.kafka_perf "no broker"
    not_measured memory.collector "no broker for the publishing load"
    return
  fi
  info component.jvm_flags "${COMPONENT_JVM[*]} (collector and analyzer drivers, and Kafka's perf tools)"
  local bootstrap=127.0.0.1:$KAFKA_PORT size_file=$WORK/record-size.txt
  log "publishing: collector path, $PUBLISH_EVENTS events x (1 warm-up + $TOOL_ITERATIONS)"
  component_java -Dbench.record.size.file="$size_file" io.porthole.bench.BenchMain publish "$bootstrap" "bench-pub-$RUN_ID." \
      "$PUBLISH_EVENTS" "$TOOL_ITERATIONS" "bench-perf-$RUN_ID" >>"$LOG" 2>&1 \
    || { not_measured publish.collector "the publishing driver failed (see raw/run.log)"; return; }
  local size
  size=$(cat "$size_file")
  log "ceiling: ProducerPerformance, $PUBLISH_EVENTS records of $size bytes, same settings, 1 warm-up + $TOOL_ITERATIONS in one JVM"
  component_java io.porthole.bench.BenchMain kafka-perf producer publish.kafka_perf "$TOOL_ITERATIONS" \
      --topic "bench-perf-$RUN_ID" --num-records "$PUBLISH_EVENTS" --record-size "$size" --throughput -1 \
      --producer-props bootstrap.servers="$bootstrap" client.id=bench-producer-perf enable.idempotence=true acks=all \
        compression.type=lz4 linger.ms=5 batch.size=262144 buffer.memory=33554432 max.block.ms=5000 \
        delivery.timeout.ms=120000 >>"$LOG" 2>&1 \
    || { not_measured publish.kafka_perf "ProducerPerformance failed (see raw/run.log)"; return; }
  info publish.kafka_perf.how "ProducerPerformance (kafka-tools 3.9.1) --record-size $size (the mean envelope size) --throughput -1, producer props as the collector's, topic created beforehand with the same 3 partitions, no key (random payload of letters), run in one JVM: one warm-up run, then the measured runs"
}

analyzer() {
  if ! start_kafka; then
    for key in analyzer.events analyzer.kafka_consumer_perf memory.analyzer; do
      not_measured "$key" "no broker (docker run apache/kafka:3.9.1 failed, see raw/run.log)"
    done
    return
  fi
  local bootstrap=127.0.0.1:$KAFKA_PORT prefix=bench-ana-$RUN_ID.
  log "analyzer: loading $ANALYZER_EVENTS flow records"
  bench_java analyzer-load "$bootstrap" "$prefix" "$ANALYZER_EVENTS" >>"$LOG" 2>&1 \
    || { not_measured analyzer.events "loading the topic failed (see raw/run.log)"; return; }
  log "ceiling: ConsumerPerformance on ${prefix}porthole.flows.v1"
  component_java io.porthole.bench.BenchMain kafka-perf consumer analyzer.kafka_consumer_perf "$TOOL_ITERATIONS" \
      --bootstrap-server "$bootstrap" --topic "${prefix}porthole.flows.v1" --messages "$ANALYZER_EVENTS" \
      --group "bench-consumer-perf-$RUN_ID-{round}" --timeout 60000 >>"$LOG" 2>&1 \
    || not_measured analyzer.kafka_consumer_perf "ConsumerPerformance failed (see raw/run.log)"
  info analyzer.kafka_consumer_perf.how "ConsumerPerformance (kafka-tools 3.9.1) --messages $ANALYZER_EVENTS, a fresh group per run, fetch.nMsg.sec (rebalance time excluded, like the analyzer's timing); run in one JVM: one warm-up run, then the measured runs"
  log "analyzer: AnalyzerService, 4 warm-up + $TOOL_ITERATIONS rounds"
  component_java io.porthole.bench.BenchMain analyzer-run "$bootstrap" "$prefix" "$ANALYZER_EVENTS" "$TOOL_ITERATIONS" >>"$LOG" 2>&1 \
    || not_measured analyzer.events "the analyzer driver failed (see raw/run.log)"
}

# Event-to-alert latency: a fresh analyzer fed flows at 50% of the capacity the analyzer figure
# measured in this run (or BENCH_ANALYZER_CAPACITY) plus one OOM death every 20 ms.
latency() {
  local capacity rate
  capacity=$(analyzer_capacity)
  [[ -n $capacity ]] || { not_measured latency.p99 "no analyzer capacity measured (the analyzer figure runs first; or set BENCH_ANALYZER_CAPACITY)"; return; }
  if ! start_kafka; then
    not_measured latency.p99 "no broker (docker run apache/kafka:3.9.1 failed, see raw/run.log)"
    return
  fi
  local bootstrap=127.0.0.1:$KAFKA_PORT
  rate=$(awk -v c="$capacity" 'BEGIN {printf "%d", c / 2}')
  # The analyzer's JVM starts cold: the same load runs this long before the measured seconds. It
  # was 20 s: JFR of the analyzer at ~150k flows/s showed its full collections (70-110 ms, while
  # the JIT still compiled and the old generation filled) up to ~32 s after the start, none after.
  local warmup=$((LATENCY_SECONDS < 20 ? 10 : 40))
  log "latency: analyzer at $rate flows/s (50% of $capacity) for $warmup s of warm-up, then $LATENCY_SECONDS s; then half that rate, 5 s to settle and $LATENCY_SECONDS s"
  local ready=$WORK/analyzer-ready-$RUN_ID stop=$WORK/analyzer-stop-$RUN_ID serve
  rm -f "$ready" "$stop"
  # The analyzer serves until the latency driver is done (touches $stop): its two load levels
  # (warm-up, measured; settling, measured) and at most 120 s more.
  component_java io.porthole.bench.BenchMain analyzer-serve "$bootstrap" "bench-lat-$RUN_ID." $((warmup + 2 * LATENCY_SECONDS + 5 + 120)) "$ready" "$stop" >>"$LOG" 2>&1 &
  serve=$!
  STARTED_PIDS+=("$serve")
  local deadline=$((SECONDS + 90))
  while [[ ! -e $ready ]] && ((SECONDS < deadline)) && kill -0 "$serve" 2>/dev/null; do sleep 0.2; done
  if [[ ! -e $ready ]]; then
    not_measured latency.p99 "the analyzer for the latency figure did not get its partitions (see raw/run.log)"
  else
    bench_java latency "$bootstrap" "bench-lat-$RUN_ID." "$rate" "$LATENCY_SECONDS" 3 "$warmup" "$serve" >>"$LOG" 2>&1 \
      || not_measured latency.p99 "the latency driver failed (see raw/run.log)"
  fi
  touch "$stop"
  wait "$serve"
  rm -f "$ready" "$stop"
}

# The flat-cost figure: analyzer throughput with 1,000 / 10,000 / 50,000 tracked containers, and
# the heap per tracked container.
scale() {
  if ! start_kafka; then
    not_measured scale.spread "no broker (docker run apache/kafka:3.9.1 failed, see raw/run.log)"
    not_measured scale.bytes_per_container "no broker"
    return
  fi
  log "flat cost: analyzer with ${SCALE_COUNTS// /, } tracked containers, $ANALYZER_EVENTS flows each, 4 warm-up + $SCALE_ITERATIONS rounds"
  # One JVM for all the counts, its rounds interleaved (1k, 10k, 50k, 1k, ...): the figure compares
  # the counts, and a busy minute on the shared machine then falls on every count alike. With one
  # JVM per count, one after the other, the counts' medians moved by up to a third between runs
  # (docs/benchmarks.md). The driver computes the spread.
  local jfr=()
  [[ -n ${BENCH_JFR:-} ]] && jfr=(-XX:StartFlightRecording=filename="$RAW_DIR/scale-$(date +%H%M%S%N).jfr",settings=profile)
  # shellcheck disable=SC2086 # the counts are separate arguments
  if ! java "${SCALE_JVM[@]}" "${jfr[@]}" -Dbench.results="$RAW" -cp "$CP" io.porthole.bench.BenchMain analyzer-scale \
      "127.0.0.1:$KAFKA_PORT" "bench-scale-$RUN_ID." "$ANALYZER_EVENTS" "$SCALE_ITERATIONS" $SCALE_COUNTS >>"$LOG" 2>&1; then
    not_measured scale.spread "the flat-cost driver failed (see raw/run.log)"
    not_measured scale.bytes_per_container "the flat-cost driver failed"
    return
  fi
  # The heap per container at the largest count.
  local largest
  largest=$(echo $SCALE_COUNTS | tr ' ' '\n' | sort -n | tail -1)
  measured scale.bytes_per_container bytes \
    "$(awk -F'\t' -v k="scale.heap_per_container.$largest" '$1 == "m" && $2 == k {print $4}' "$RAW")"
  info scale.jvm "one JVM for all the counts, rounds interleaved, flags ${SCALE_JVM[*]}"
}
