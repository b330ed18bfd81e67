package io.porthole.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RecordKeyTest {

  @Test
  void roundTripsHostAndContainer() {
    RecordKey key = new RecordKey("host-a", "4f1c2d");
    assertThat(key.asString()).isEqualTo("host-a/4f1c2d");
    assertThat(RecordKey.parse("host-a/4f1c2d")).isEqualTo(key);
    assertThat(key.isHostWide()).isFalse();
  }

  @Test
  void aHostAloneIsAHostWideKey() {
    RecordKey key = RecordKey.parse("host-a");
    assertThat(key).isEqualTo(RecordKey.ofHost("host-a"));
    assertThat(key.isHostWide()).isTrue();
    assertThat(key.asString()).isEqualTo("host-a");
  }

  @Test
  void rejectsMalformedKeysNamingThem() {
    assertThatThrownBy(() -> RecordKey.parse("/abc")).hasMessageContaining("'/abc'");
    assertThatThrownBy(() -> RecordKey.parse("a/b/c")).hasMessageContaining("'a/b/c'");
    assertThatThrownBy(() -> RecordKey.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> new RecordKey("h/x", "c")).hasMessageContaining("host id 'h/x'");
  }
}
