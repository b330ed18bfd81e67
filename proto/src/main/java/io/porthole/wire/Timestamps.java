package io.porthole.wire;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Conversions between {@link Instant} and protobuf {@link Timestamp}. */
public final class Timestamps {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private Timestamps() {}

  public static Timestamp of(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  public static Timestamp ofEpochMillis(long epochMillis) {
    return of(Instant.ofEpochMilli(epochMillis));
  }

  public static Instant toInstant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  public static long toEpochMillis(Timestamp timestamp) {
    return timestamp.getSeconds() * 1000L + timestamp.getNanos() / 1_000_000;
  }

  /** Nanoseconds since the epoch (a long holds them until the year 2262). */
  public static long toEpochNanos(Timestamp timestamp) {
    return timestamp.getSeconds() * NANOS_PER_SECOND + timestamp.getNanos();
  }

  /** Nanoseconds since the epoch (a long holds them until the year 2262). */
  public static long toEpochNanos(Instant instant) {
    return instant.getEpochSecond() * NANOS_PER_SECOND + instant.getNano();
  }

  /** The instant of nanoseconds since the epoch (negative: before it). */
  public static Instant instantOfEpochNanos(long epochNanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(epochNanos, NANOS_PER_SECOND), Math.floorMod(epochNanos, NANOS_PER_SECOND));
  }

  public static Timestamp now() {
    return of(Instant.now());
  }
}
