package io.porthole.collector.remediation;

import static io.porthole.collector.remediation.RemediationSteps.bounded;

import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * EXTRACT_FILE: check image and path, then (at most {@code remediation.extract.concurrency} at
 * once, since each holds its file in memory) create a container that never starts, copy the file
 * out, remove the container, chunk the file, report.
 */
final class ExtractFile implements ActionHandler {

  private final RemediationSteps steps;
  private final ImageFileExtractor extractor;
  private final ResultFactory results;
  private final RemediationConfig config;
  private final ConcurrencyLimit extractions;

  ExtractFile(
      RemediationSteps steps,
      ImageFileExtractor extractor,
      ResultFactory results,
      RemediationConfig config) {
    this.steps = Objects.requireNonNull(steps, "steps");
    this.extractor = Objects.requireNonNull(extractor, "extractor");
    this.results = Objects.requireNonNull(results, "results");
    this.config = Objects.requireNonNull(config, "config");
    this.extractions = new ConcurrencyLimit(config.maxConcurrentExtractions());
  }

  @Override
  public RemediationAction action() {
    return RemediationAction.EXTRACT_FILE;
  }

  @Override
  public Future<List<RemediationResult>> handle(RemediationCommand command, Instant started) {
    String image = command.getImage().strip();
    String path = command.getPath();
    if (image.isEmpty()) {
      throw new RemediationRefused("EXTRACT_FILE needs an image");
    }
    if (!path.startsWith("/") || path.contains("\0") || List.of(path.split("/")).contains("..")) {
      throw new RemediationRefused("path '" + path + "' must be absolute without '..'");
    }
    long maxBytes =
        bounded(
            "max_bytes", command.getMaxBytes(), config.extractMaxBytes(), config.extractMaxBytes());
    if (command.getDryRun()) {
      return Future.succeededFuture(
          results.succeeded(
              command,
              started,
              "dry run: would copy "
                  + path
                  + " (at most "
                  + maxBytes
                  + " bytes) out of image "
                  + image
                  + " without starting it; nothing changed"));
    }
    return extractions.submit(
        () ->
            steps
                .blocking(() -> extractor.extract(image, path, maxBytes))
                .map(
                    file ->
                        results.artifact(
                            command,
                            started,
                            path
                                + " from image "
                                + image
                                + ": "
                                + file.bytes().length
                                + " bytes, sha256 "
                                + ArtifactChunker.sha256(file.bytes()),
                            "",
                            ArtifactChunker.chunk(
                                file.bytes(),
                                config.chunkBytes(),
                                ArtifactChunker.OCTET_STREAM,
                                file.fileName()))));
  }
}
