package io.porthole.controller.http;

import io.porthole.controller.view.AlertQuery;
import io.porthole.controller.view.ImageCatalog;
import io.porthole.controller.view.Views;
import io.porthole.proto.Alert;
import io.porthole.proto.Evidence;
import io.porthole.proto.Rule;
import io.porthole.wire.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;

/**
 * {@code GET /api/v1/images}: the images seen, on which hosts, with their HOST_DIVERGENCE alerts.
 */
final class ImagesHandler {

  private final Views views;

  ImagesHandler(Views views) {
    this.views = Objects.requireNonNull(views, "views");
  }

  void list(RoutingContext rc) {
    AlertQuery divergences =
        new AlertQuery(null, null, Rule.HOST_DIVERGENCE, null, null, ImageCatalog.MAX_DIVERGENCES);
    JsonArray images = new JsonArray();
    for (ImageCatalog.Image image :
        ImageCatalog.of(views.containers().list(null), views.alerts().query(divergences))) {
      images.add(json(image));
    }
    rc.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("images", images).encode());
  }

  static JsonObject json(ImageCatalog.Image image) {
    JsonArray hosts = new JsonArray();
    image
        .hosts()
        .forEach(
            h ->
                hosts.add(
                    new JsonObject()
                        .put("hostId", h.hostId())
                        .put("containers", h.containers())
                        .put("running", h.running())));
    JsonArray divergences = new JsonArray();
    image.divergences().forEach(a -> divergences.add(divergence(a)));
    return new JsonObject()
        .put("image", image.image())
        .put("imageIds", new JsonArray(image.imageIds()))
        .put("hosts", hosts)
        .put("divergences", divergences);
  }

  private static JsonObject divergence(Alert alert) {
    JsonArray evidence = new JsonArray();
    alert.getEvidenceList().stream().map(Evidence::getDescription).forEach(evidence::add);
    return new JsonObject()
        .put("alertId", alert.getAlertId())
        .put("title", alert.getTitle())
        .put("hostId", alert.getHostId())
        .put("kernelVersion", alert.getAttributesOrDefault("kernel_version", ""))
        .put("referenceHostId", alert.getAttributesOrDefault("reference_host", ""))
        .put("referenceKernelVersion", alert.getAttributesOrDefault("reference_kernel_version", ""))
        .put("differing", alert.getAttributesOrDefault("differing", ""))
        .put(
            "lastSeen",
            alert.hasLastSeen() ? Timestamps.toInstant(alert.getLastSeen()).toString() : null)
        .put("evidence", evidence);
  }
}
