package io.porthole.bench;

/**
 * The rate at which a consumer group's committed offsets advanced through the middle of a run: from
 * the first observation at which they covered {@code from} of the records to the first at which
 * they covered {@code to}. The analyzer commits every 100 ms and the driver observes its commits
 * every few milliseconds: timing the whole run from its first record to its last commit added up to
 * a commit interval and the pipeline's ramp-up to a round of under a second (~0.3 s of 1.0 s at
 * ~1.4M records/s); between two observed commits, both ends carry the same delays.
 */
final class CommitProgress {

  private final long total;
  private final double from;
  private final double to;
  private long fromNanos = -1;
  private long fromCommitted;
  private long toNanos = -1;
  private long toCommitted;

  CommitProgress(long total, double from, double to) {
    if (total < 1 || from < 0 || to <= from || to > 1) {
      throw new IllegalArgumentException("need total >= 1 and 0 <= from < to <= 1");
    }
    this.total = total;
    this.from = from;
    this.to = to;
  }

  /** The group's committed offsets covered {@code committed} records at {@code nanos}. */
  void observe(long nanos, long committed) {
    if (fromNanos < 0 && committed >= from * total) {
      fromNanos = nanos;
      fromCommitted = committed;
    }
    if (fromNanos >= 0 && nanos > fromNanos && toNanos < 0 && committed >= to * total) {
      toNanos = nanos;
      toCommitted = committed;
    }
  }

  /** Whether both ends were observed at different instants. */
  boolean measured() {
    return toNanos > fromNanos && fromNanos >= 0;
  }

  /** Records per second between the two ends; NaN until {@link #measured}. */
  double rate() {
    return measured() ? (toCommitted - fromCommitted) / ((toNanos - fromNanos) / 1e9) : Double.NaN;
  }

  /** The records committed between the two ends. */
  long records() {
    return toCommitted - fromCommitted;
  }
}
