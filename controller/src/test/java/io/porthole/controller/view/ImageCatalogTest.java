package io.porthole.controller.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageCatalogTest {

  @Test
  void groupsContainersByImageAndHostAndJoinsTheImagesDivergenceAlerts() {
    ContainersView containers = new ContainersView(10);
    containers.onEvent(ViewFixtures.running("host-a", "a1", "probe-a1", "bridge"));
    containers.onEvent(
        ViewFixtures.event(
            "host-a", "a2", "probe-a2", ContainerAction.DIE, "exited", null, ViewFixtures.T0));
    containers.onEvent(ViewFixtures.running("host-b", "b1", "probe-b1", "bridge"));
    Alert divergence =
        Alert.newBuilder()
            .setAlertId("d1")
            .setRule(Rule.HOST_DIVERGENCE)
            .setImage("busybox")
            .setHostId("host-b")
            .putAttributes("image_id", "sha256:ab")
            .putAttributes("reference_host", "host-a")
            .build();
    Alert other =
        Alert.newBuilder().setAlertId("o1").setRule(Rule.OOM_KILLED).setImage("busybox").build();

    List<ImageCatalog.Image> images =
        ImageCatalog.of(containers.list(null), List.of(divergence, other));

    assertThat(images)
        .singleElement()
        .satisfies(
            image -> {
              assertThat(image.image()).isEqualTo("busybox");
              assertThat(image.imageIds()).containsExactly("sha256:ab");
              assertThat(image.hosts())
                  .containsExactly(
                      new ImageCatalog.HostContainers("host-a", 2, 1),
                      new ImageCatalog.HostContainers("host-b", 1, 1));
              assertThat(image.divergences()).containsExactly(divergence);
            });
  }

  @Test
  void anImageWhoseContainersAreGoneStaysListedWhileItsDivergenceIsHeld() {
    Alert divergence =
        Alert.newBuilder().setAlertId("d1").setRule(Rule.HOST_DIVERGENCE).setImage("app:1").build();

    assertThat(ImageCatalog.of(List.of(), List.of(divergence)))
        .singleElement()
        .satisfies(image -> assertThat(image.hosts()).isEmpty());
  }
}
