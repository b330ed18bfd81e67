package io.porthole.app.replay;

import io.porthole.collector.EventSink;
import io.porthole.proto.EventEnvelope;
import io.porthole.wire.ProtoJson;
import io.porthole.wire.Topic;
import java.io.PrintStream;

/** Prints every envelope as one line of protobuf JSON. */
final class JsonLinesSink implements EventSink {

  private final PrintStream out;

  JsonLinesSink(PrintStream out) {
    this.out = out;
  }

  @Override
  public synchronized void emit(Topic topic, EventEnvelope envelope) {
    out.println(ProtoJson.toJson(envelope));
  }
}
