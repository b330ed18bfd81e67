package io.porthole.collector.strace;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A parser listener that keeps copies of everything, for assertions. */
final class Recorder implements StraceLineParser.Listener {

  final List<StraceSyscall> syscalls = new ArrayList<>();
  final List<StraceExit> exits = new ArrayList<>();
  final List<String> signals = new ArrayList<>();
  final List<String> notices = new ArrayList<>();
  final List<String> unparsed = new ArrayList<>();

  @Override
  public void syscall(StraceSyscall call) {
    call.path(); // computed while the line is current, like a live consumer would
    syscalls.add(call.copy());
  }

  @Override
  public void exit(StraceExit exit) {
    exits.add(exit.copy());
  }

  @Override
  public void signal(int pid, long epochMicros, String signal, String raw) {
    signals.add(pid + " " + signal);
  }

  @Override
  public void notice(String text) {
    notices.add(text);
  }

  @Override
  public void unparsed(String line) {
    unparsed.add(line);
  }

  List<StraceSyscall> named(String name) {
    return syscalls.stream().filter(c -> c.name().equals(name)).collect(Collectors.toList());
  }

  List<StraceSyscall> withPath(String path) {
    return syscalls.stream().filter(c -> c.path().equals(path)).collect(Collectors.toList());
  }

  List<String> exitSummaries() {
    return exits.stream().map(StraceExit::toString).toList();
  }
}
