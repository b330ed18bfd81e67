package io.porthole.collector.kmsg;

/**
 * Where reading the kernel log starts, decided once at start. Java cannot {@code lseek(SEEK_END)}
 * on {@code /dev/kmsg}, so the reader always reads the whole ring buffer and drops what comes
 * before its start: on the same boot as a persisted cursor, every record up to the cursor's
 * sequence number; on a first start, every record logged before the collector started (its time
 * since boot is before the boot time read from {@code /proc/uptime}); on a new boot, nothing (every
 * record of this boot is newer than the last run). Plain Java.
 *
 * @param afterSequence records with a sequence number up to this one are dropped (-1: none)
 * @param afterMicros records logged before this many microseconds since boot are dropped (-1: none)
 */
record KmsgStart(long afterSequence, long afterMicros) {

  static KmsgStart decide(KmsgCursor cursor, String bootId, long uptimeMicros) {
    if (cursor == null) {
      return new KmsgStart(-1, uptimeMicros);
    }
    if (cursor.bootId().equals(bootId)) {
      return new KmsgStart(cursor.sequence(), -1);
    }
    return new KmsgStart(-1, -1);
  }

  /** Whether a record is new to this reader. */
  boolean isNew(long sequence, long monotonicMicros) {
    return sequence > afterSequence && monotonicMicros >= afterMicros;
  }

  /**
   * The sequence number the reader last handled before start, to count records lost in between (-1:
   * unknown).
   */
  long lastHandled() {
    return afterSequence;
  }
}
