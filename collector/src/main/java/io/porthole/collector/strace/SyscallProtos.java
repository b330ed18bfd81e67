package io.porthole.collector.strace;

import com.google.protobuf.Timestamp;
import io.porthole.proto.ProcessExit;
import io.porthole.proto.SyscallEvent;
import java.util.Objects;
import java.util.function.Consumer;

/** Builds the wire messages of parsed strace records. */
public final class SyscallProtos {

  private SyscallProtos() {}

  /**
   * A parser listener that builds the wire message of every syscall and exit and hands it on
   * (signals and notices are dropped; unparsed lines go to {@code unparsed}).
   */
  public static StraceLineParser.Listener listener(
      Consumer<SyscallEvent> syscalls, Consumer<ProcessExit> exits, Consumer<String> unparsed) {
    Objects.requireNonNull(syscalls, "syscalls");
    Objects.requireNonNull(exits, "exits");
    Objects.requireNonNull(unparsed, "unparsed");
    return new StraceLineParser.Listener() {
      @Override
      public void syscall(StraceSyscall call) {
        syscalls.accept(toProto(call));
      }

      @Override
      public void exit(StraceExit exit) {
        exits.accept(toProto(exit));
      }

      @Override
      public void unparsed(String line) {
        unparsed.accept(line);
      }
    };
  }

  public static SyscallEvent toProto(StraceSyscall call) {
    SyscallEvent.Builder event =
        SyscallEvent.newBuilder()
            .setHostPid(call.pid())
            .setName(call.name())
            .setArguments(call.arguments())
            .setPath(call.path())
            .setReturnValue(call.returnValue())
            .setErrnoName(call.errnoName())
            .setErrnoText(call.errnoText())
            .setDurationMicros(Math.max(0, call.durationMicros()))
            .setRaw(call.raw());
    if (call.hasReturnCode()) {
      event.setReturnCode(call.returnCode());
    }
    if (call.epochMicros() > 0) {
      event.setTime(timestamp(call.epochMicros()));
    }
    return event.build();
  }

  public static ProcessExit toProto(StraceExit exit) {
    ProcessExit.Builder message =
        ProcessExit.newBuilder()
            .setHostPid(exit.pid())
            .setSignal(exit.signal())
            .setCoreDumped(exit.coreDumped())
            .setRaw(exit.raw());
    if (exit.exited()) {
      message.setExitCode(exit.exitCode());
    }
    if (exit.epochMicros() > 0) {
      message.setTime(timestamp(exit.epochMicros()));
    }
    return message.build();
  }

  static Timestamp timestamp(long epochMicros) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(epochMicros, 1_000_000L))
        .setNanos((int) Math.floorMod(epochMicros, 1_000_000L) * 1000)
        .build();
  }
}
