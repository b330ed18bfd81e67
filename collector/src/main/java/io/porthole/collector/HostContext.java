package io.porthole.collector;

import com.github.dockerjava.api.DockerClient;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What the parts of one host's collector share, built once by {@link CollectorService#create} and
 * handed to each: a part's constructor takes this, its own configuration and the few collaborators
 * only it uses.
 *
 * @param vertx the collector's Vert.x
 * @param hostId this host's id in every record key ({@code host.id})
 * @param docker client for inspect, list, ping and pause (with a response timeout; the events
 *     stream has a client of its own)
 * @param directory the running containers, kept current by the Docker source
 * @param sink where the sources hand their envelopes
 * @param stats the collector's counters and degraded sources
 * @param dataDir what the collector keeps across its restarts ({@code collector.data.dir}): the
 *     events stream position, the kernel log cursor, containers paused by the tracer
 */
public record HostContext(
    Vertx vertx,
    String hostId,
    DockerClient docker,
    ContainerDirectory directory,
    EventSink sink,
    CollectorStats stats,
    Path dataDir) {

  public HostContext {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(hostId, "hostId");
    Objects.requireNonNull(docker, "docker");
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(stats, "stats");
    Objects.requireNonNull(dataDir, "dataDir");
  }
}
