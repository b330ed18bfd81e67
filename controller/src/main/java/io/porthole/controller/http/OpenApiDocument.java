package io.porthole.controller.http;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The API's OpenAPI document (a classpath resource): served as written, and the source of the
 * router's paths and request validation.
 */
public final class OpenApiDocument {

  /** The document on the classpath. */
  public static final String RESOURCE = "porthole-controller/openapi.yaml";

  /**
   * Response media types vertx-openapi 5.0 accepts in a contract. Responses are not validated, so
   * the others (text/event-stream, application/yaml, application/vnd.tcpdump.pcap) are handed to it
   * as application/octet-stream; the served document keeps them.
   */
  private static final Set<String> ROUTER_MEDIA_TYPES =
      Set.of(
          "application/json",
          "application/octet-stream",
          "text/plain",
          "multipart/form-data",
          "application/hal+json");

  private final byte[] yaml;

  private OpenApiDocument(byte[] yaml) {
    this.yaml = yaml;
  }

  public static OpenApiDocument load() {
    try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return new OpenApiDocument(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The document as written (YAML). */
  public byte[] yaml() {
    return yaml.clone();
  }

  /** The document as JSON, exactly as written. */
  @SuppressWarnings("unchecked")
  public JsonObject json() {
    Yaml parser = new Yaml(new SafeConstructor(new LoaderOptions()));
    Map<String, Object> tree = parser.load(new String(yaml, StandardCharsets.UTF_8));
    return new JsonObject(tree).copy();
  }

  /** The document for the router: response media types it does not know become octet-stream. */
  public JsonObject forRouter() {
    JsonObject json = json();
    JsonObject paths = json.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject operations = paths.getJsonObject(path);
      for (String method : operations.fieldNames()) {
        JsonObject responses = operations.getJsonObject(method).getJsonObject("responses");
        if (responses == null) {
          continue;
        }
        for (String status : responses.fieldNames()) {
          JsonObject content = responses.getJsonObject(status).getJsonObject("content");
          if (content == null) {
            continue;
          }
          JsonObject mapped = new JsonObject();
          for (String mediaType : content.fieldNames()) {
            String routable =
                ROUTER_MEDIA_TYPES.contains(mediaType) ? mediaType : "application/octet-stream";
            mapped.put(routable, content.getValue(mediaType));
          }
          responses.getJsonObject(status).put("content", mapped);
        }
      }
    }
    return json;
  }
}
