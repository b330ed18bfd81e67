package io.porthole.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NetworkModeTest {

  @Test
  void hostNoneAndSharedModesAreRecognisedAndOthersHaveTheirOwnNamespace() {
    assertThat(NetworkMode.of("host").isHost()).isTrue();
    assertThat(NetworkMode.of("none").isNone()).isTrue();
    assertThat(NetworkMode.of("container:abc").sharedContainer()).contains("abc");
    NetworkMode bridge = NetworkMode.of("bridge");
    assertThat(bridge.isHost() || bridge.isNone() || bridge.sharedContainer().isPresent())
        .isFalse();
    assertThat(NetworkMode.of(null).value()).isEmpty();
  }

  @Test
  void theRefusalSaysWhyTheNetworkMustNotBeTouched() {
    assertThat(NetworkMode.of("host").refusal("web")).get().asString().contains("host network");
    assertThat(NetworkMode.of("container:abc").refusal("web"))
        .get()
        .asString()
        .contains("act on that container instead");
    assertThat(NetworkMode.of("bridge").refusal("web")).isEmpty();
  }
}
