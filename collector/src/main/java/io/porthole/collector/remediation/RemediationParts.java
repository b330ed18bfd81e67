package io.porthole.collector.remediation;

import com.github.dockerjava.api.DockerClient;
import io.porthole.collector.ContainerDirectory;
import java.time.Clock;
import java.util.Objects;

/**
 * What the remediation executor acts through: the container directory (told of starts), the
 * lookups, {@code ip}/{@code nsenter}, libpcap, docker-java, the tracer, the store of isolations in
 * force, the one exit for results that are not a command's direct answer, and the clock.
 */
public record RemediationParts(
    ContainerDirectory directory,
    ContainerLookup containers,
    VethResolver veths,
    LinkSwitch links,
    PacketCapture capture,
    ImageFileExtractor extractor,
    SyscallTraceStarter tracer,
    IsolationStore isolations,
    ResultSink results,
    Clock clock) {

  public RemediationParts {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(containers, "containers");
    Objects.requireNonNull(veths, "veths");
    Objects.requireNonNull(links, "links");
    Objects.requireNonNull(capture, "capture");
    Objects.requireNonNull(extractor, "extractor");
    Objects.requireNonNull(tracer, "tracer");
    Objects.requireNonNull(isolations, "isolations");
    Objects.requireNonNull(results, "results");
    Objects.requireNonNull(clock, "clock");
  }

  /** The real parts: {@code ip}/{@code nsenter} through {@code runner}, docker-java, libpcap. */
  public static RemediationParts of(
      RemediationConfig config,
      DockerClient docker,
      ContainerDirectory directory,
      SyscallTraceStarter tracer,
      ResultSink results,
      CommandRunner runner,
      Clock clock) {
    return new RemediationParts(
        directory,
        new ContainerLookup(directory, docker),
        new VethResolver(runner, docker),
        new LinkSwitch(runner),
        new PacketCapture(),
        new ImageFileExtractor(docker),
        tracer,
        new IsolationStore(config.isolationsFile()),
        results,
        clock);
  }
}
