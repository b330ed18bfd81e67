package io.porthole.controller.view;

import io.porthole.proto.Alert;
import io.porthole.proto.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The images seen across the fleet, derived from what the controller already holds: the containers
 * view says which image each container runs on which host, the alerts view holds the analyzer's
 * HOST_DIVERGENCE alerts. Images are named as containers were created with them (a tag or an id); a
 * divergence alert joins its image by that name.
 */
public final class ImageCatalog {

  /** How many HOST_DIVERGENCE alerts are read per request at most. */
  public static final int MAX_DIVERGENCES = 1000;

  /** One host's containers of an image. */
  public record HostContainers(String hostId, int containers, int running) {}

  /** An image, the hosts it was seen on, and its divergence alerts (newest first). */
  public record Image(
      String image, List<String> imageIds, List<HostContainers> hosts, List<Alert> divergences) {}

  private ImageCatalog() {}

  public static List<Image> of(List<ContainerRecord> containers, List<Alert> alerts) {
    Map<String, Map<String, int[]>> hostsByImage = new TreeMap<>();
    for (ContainerRecord container : containers) {
      if (container.image().isEmpty()) {
        continue;
      }
      int[] counts =
          hostsByImage
              .computeIfAbsent(container.image(), k -> new TreeMap<>())
              .computeIfAbsent(container.hostId(), k -> new int[2]);
      counts[0]++;
      if (container.running()) {
        counts[1]++;
      }
    }
    Map<String, List<Alert>> divergencesByImage = new TreeMap<>();
    for (Alert alert : alerts) {
      if (alert.getRule() == Rule.HOST_DIVERGENCE && !alert.getImage().isEmpty()) {
        divergencesByImage.computeIfAbsent(alert.getImage(), k -> new ArrayList<>()).add(alert);
        hostsByImage.computeIfAbsent(alert.getImage(), k -> new TreeMap<>());
      }
    }
    List<Image> images = new ArrayList<>();
    hostsByImage.forEach(
        (image, hosts) -> {
          List<HostContainers> perHost = new ArrayList<>();
          hosts.forEach(
              (host, counts) -> perHost.add(new HostContainers(host, counts[0], counts[1])));
          List<Alert> divergences = divergencesByImage.getOrDefault(image, List.of());
          List<String> ids =
              divergences.stream()
                  .map(a -> a.getAttributesOrDefault("image_id", ""))
                  .filter(id -> !id.isEmpty())
                  .distinct()
                  .sorted()
                  .toList();
          images.add(new Image(image, ids, perHost, divergences));
        });
    return images;
  }
}
