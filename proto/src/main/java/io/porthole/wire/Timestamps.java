package io.porthole.wire;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Conversions between {@link Instant} and protobuf {@link Timestamp}. */
public final class Timestamps {

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

  public static Timestamp now() {
    return of(Instant.now());
  }
}
