package io.porthole.collector.packets;

/**
 * What a {@link PcapReplay} run did.
 *
 * @param packetsRead records read from the file
 * @param flowRecords flow records handed to the sink
 * @param packetsUnparsed packets that could not be read (truncated, malformed, unsupported link
 *     type)
 * @param packetsNotIp well-formed frames without IP (ARP, ...), ignored
 * @param flows flows seen (reported or not)
 * @param flowsUnattributed flows that involved no address of the container (not reported)
 * @param fileTruncated the file ended in the middle of a record
 */
public record ReplaySummary(
    long packetsRead,
    long flowRecords,
    long packetsUnparsed,
    long packetsNotIp,
    long flows,
    long flowsUnattributed,
    boolean fileTruncated) {

  /** One line for stderr. */
  public String describe() {
    return "packets read: "
        + packetsRead
        + ", flow records: "
        + flowRecords
        + ", packets unparsed: "
        + packetsUnparsed
        + ", packets without IP: "
        + packetsNotIp
        + ", flows: "
        + flows
        + ", flows not involving the container: "
        + flowsUnattributed
        + (fileTruncated ? ", file ends in a partial record" : "");
  }
}
