package io.porthole.collector.packets;

/**
 * One tracked flow of a {@link FlowTable}: its canonical key (endpoint A sorts before endpoint B),
 * bucket and age links, the counters of the current interval and the per-direction excerpts.
 * "Forward" is from the initiator (the record's source) to the responder.
 */
final class Flow {

  // key
  long aHi;
  long aLo;
  long bHi;
  long bLo;
  int aPort;
  int bPort;
  int protocol;
  int ipVersion;
  int hash;

  // links: hash bucket chain, and least-recently-seen order
  Flow nextInBucket;
  Flow older;
  Flow newer;

  boolean initiatorIsA;
  String sourceAddress;
  String destinationAddress;
  String sourceContainer;
  String destinationContainer;
  long firstSeen;
  long lastSeen;
  int sequence;

  /** When the flow ended (RST, FIN both ways); 0 while open. */
  long endedAt;

  boolean finForward;
  boolean finReverse;

  // counters of the current interval
  long packetsForward;
  long bytesForward;
  long packetsReverse;
  long bytesReverse;
  int syn;
  int synAck;
  int rst;
  int fin;
  int rstFromSource;
  int rstFromDestination;

  // excerpts over the whole flow; for TCP placed by sequence number relative to the first byte
  byte[] excerptForward;
  byte[] excerptReverse;
  int excerptForwardLength;
  int excerptReverseLength;
  int baseSequenceForward;
  int baseSequenceReverse;
  boolean baseForwardSet;
  boolean baseReverseSet;

  boolean matches(
      long aHi, long aLo, long bHi, long bLo, int aPort, int bPort, int protocol, int ipVersion) {
    return this.aLo == aLo
        && this.bLo == bLo
        && this.aPort == aPort
        && this.bPort == bPort
        && this.aHi == aHi
        && this.bHi == bHi
        && this.protocol == protocol
        && this.ipVersion == ipVersion;
  }

  long intervalPackets() {
    return packetsForward + packetsReverse;
  }

  void resetInterval() {
    packetsForward = bytesForward = packetsReverse = bytesReverse = 0;
    syn = synAck = rst = fin = rstFromSource = rstFromDestination = 0;
  }
}
