package io.porthole.analyzer.engine;

import io.porthole.proto.FlowRecord;
import io.porthole.proto.TransportProtocol;

/**
 * The few facts of a flow record that tell whether a rule can use it at all (see {@link
 * io.porthole.analyzer.rules.DetectionRule#mayUseFlow}): read from a record's bytes without
 * decoding the rest of it, most flows (answered connections) are then analysed as their container's
 * activity only.
 *
 * @param protocol the flow's transport protocol ({@code UNRECOGNIZED} for a number this schema does
 *     not know)
 * @param sequence the record's sequence within its flow (0 for the first interval)
 * @param syn SYNs without ACK seen from the source
 * @param synAck SYN-ACKs seen from the destination
 */
public record FlowFacts(TransportProtocol protocol, int sequence, int syn, int synAck) {

  /** The facts of a decoded flow record. */
  public static FlowFacts of(FlowRecord flow) {
    return new FlowFacts(
        flow.getProtocol(),
        flow.getSequence(),
        flow.getTcpFlags().getSyn(),
        flow.getTcpFlags().getSynAck());
  }

  /**
   * A first record of a TCP flow whose SYN got no SYN-ACK: a failed (unanswered or refused)
   * connection attempt.
   */
  public boolean unansweredTcpAttempt() {
    return protocol == TransportProtocol.TCP && sequence == 0 && syn > 0 && synAck == 0;
  }
}
