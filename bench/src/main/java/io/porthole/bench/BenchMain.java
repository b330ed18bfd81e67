package io.porthole.bench;

import java.util.Arrays;

/** Entry point of the drivers bench/run calls: {@code BenchMain COMMAND ARGS...}. */
public final class BenchMain {

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println(
          "usage: BenchMain hotpaths|traffic|publish|analyzer|latency|tracer|report ARGS...");
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "hotpaths" -> HotPaths.run(Results.fromSystemProperty(), rest);
      case "publish" -> KafkaDrivers.publish(Results.fromSystemProperty(), rest);
      case "analyzer-load" -> KafkaDrivers.analyzerLoad(Results.fromSystemProperty(), rest);
      case "analyzer-run" -> KafkaDrivers.analyzerRun(Results.fromSystemProperty(), rest);
      case "analyzer-scale" -> ScaleDriver.run(Results.fromSystemProperty(), rest);
      case "latency" -> KafkaDrivers.latency(Results.fromSystemProperty(), rest);
      case "tracer" -> TracerOverhead.run(Results.fromSystemProperty(), rest);
      case "controller" -> ControllerBench.run(Results.fromSystemProperty(), rest);
      case "oom" -> OomToAlert.run(Results.fromSystemProperty(), rest);
      case "kafka-perf" -> KafkaTools.run(Results.fromSystemProperty(), rest);
      case "analyzer-serve" -> KafkaDrivers.analyzerServe(Results.fromSystemProperty(), rest);
      case "traffic" -> TrafficGenerator.main(rest);
      case "flow-load" -> FlowLoadProcess.serve(rest);
      case "report" -> Report.main(rest);
      default -> {
        System.err.println("unknown command " + args[0]);
        System.exit(2);
      }
    }
    System.exit(0);
  }
}
