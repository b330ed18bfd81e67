package io.porthole.collector.strace;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The syscalls added to Linux after 3.10 that a program may probe and fall back from, traced by
 * default beside {@code %file,%process,%network} so that an {@code ENOSYS} answer (an older kernel,
 * or a seccomp profile that pretends to be one) reaches the MISSING_SYSCALL rule.
 *
 * <p>Where the list comes from: the x86-64 syscall table of the kernel ({@code
 * arch/x86/entry/syscalls/syscall_64.tbl}), with the release that added each call as given by its
 * man page (man-pages 6.x, section 2, VERSIONS/HISTORY). Calls that only administrators make
 * (kexec_file_load, bpf, the new mount API) are left out: their failure is not a portability
 * problem of an image. Each name is written with strace's {@code ?} qualifier, so that a name the
 * installed strace does not know yet (strace 6.1 predates cachestat, fchmodat2, mseal) is ignored
 * instead of refusing to start.
 *
 * <p>The trace set costs nothing extra when strace attaches with {@code -p}: ptrace stops the
 * tracee at every syscall whatever the set ({@code --seccomp-bpf} does not apply to attached
 * processes), and these calls are rare, so the output grows by a few lines at most.
 */
public final class ProbedSyscalls {

  /** A syscall and the Linux release that added it. */
  public record Probed(String name, String since) {}

  public static final List<Probed> AFTER_3_10 =
      List.of(
          new Probed("sched_setattr", "3.14"),
          new Probed("sched_getattr", "3.14"),
          new Probed("renameat2", "3.15"),
          new Probed("seccomp", "3.17"),
          new Probed("getrandom", "3.17"),
          new Probed("memfd_create", "3.17"),
          new Probed("execveat", "3.19"),
          new Probed("userfaultfd", "4.3"),
          new Probed("membarrier", "4.3"),
          new Probed("mlock2", "4.4"),
          new Probed("copy_file_range", "4.5"),
          new Probed("preadv2", "4.6"),
          new Probed("pwritev2", "4.6"),
          new Probed("pkey_mprotect", "4.9"),
          new Probed("pkey_alloc", "4.9"),
          new Probed("pkey_free", "4.9"),
          new Probed("statx", "4.11"),
          new Probed("io_pgetevents", "4.18"),
          new Probed("rseq", "4.18"),
          new Probed("pidfd_send_signal", "5.1"),
          new Probed("io_uring_setup", "5.1"),
          new Probed("io_uring_enter", "5.1"),
          new Probed("io_uring_register", "5.1"),
          new Probed("pidfd_open", "5.3"),
          new Probed("clone3", "5.3"),
          new Probed("openat2", "5.6"),
          new Probed("pidfd_getfd", "5.6"),
          new Probed("faccessat2", "5.8"),
          new Probed("close_range", "5.9"),
          new Probed("process_madvise", "5.10"),
          new Probed("epoll_pwait2", "5.11"),
          new Probed("landlock_create_ruleset", "5.13"),
          new Probed("landlock_add_rule", "5.13"),
          new Probed("landlock_restrict_self", "5.13"),
          new Probed("memfd_secret", "5.14"),
          new Probed("process_mrelease", "5.15"),
          new Probed("futex_waitv", "5.16"),
          new Probed("set_mempolicy_home_node", "5.17"),
          new Probed("cachestat", "6.5"),
          new Probed("fchmodat2", "6.6"),
          new Probed("mseal", "6.10"));

  private ProbedSyscalls() {}

  /** The list as strace trace-set entries: {@code ?name,?name,...}. */
  public static String traceSet() {
    return AFTER_3_10.stream().map(p -> "?" + p.name()).collect(Collectors.joining(","));
  }
}
