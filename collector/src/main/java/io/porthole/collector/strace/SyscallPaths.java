package io.porthole.collector.strace;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Which argument of a syscall is its path, and how to cut that argument out of strace's text. */
final class SyscallPaths {

  private static final Map<String, Integer> PATH_ARGUMENT = new HashMap<>();

  static {
    for (String name :
        new String[] {
          "open",
          "creat",
          "stat",
          "stat64",
          "lstat",
          "lstat64",
          "access",
          "execve",
          "readlink",
          "unlink",
          "mkdir",
          "rmdir",
          "chdir",
          "chroot",
          "chmod",
          "chown",
          "chown32",
          "lchown",
          "lchown32",
          "rename",
          "link",
          "truncate",
          "truncate64",
          "statfs",
          "statfs64",
          "umount",
          "umount2",
          "utime",
          "utimes",
          "mknod",
          "getxattr",
          "lgetxattr",
          "setxattr",
          "lsetxattr",
          "listxattr",
          "llistxattr",
          "removexattr",
          "lremovexattr",
          "swapon",
          "swapoff",
          "acct",
          "pivot_root",
          "uselib",
          "oldstat",
          "oldlstat"
        }) {
      PATH_ARGUMENT.put(name, 0);
    }
    for (String name :
        new String[] {
          "openat",
          "openat2",
          "newfstatat",
          "fstatat64",
          "statx",
          "faccessat",
          "faccessat2",
          "execveat",
          "readlinkat",
          "unlinkat",
          "mkdirat",
          "mknodat",
          "fchownat",
          "fchmodat",
          "fchmodat2",
          "renameat",
          "renameat2",
          "linkat",
          "utimensat",
          "futimesat",
          "name_to_handle_at",
          "inotify_add_watch",
          "symlink",
          "mount",
          "open_tree",
          "move_mount",
          "mount_setattr"
        }) {
      PATH_ARGUMENT.put(name, 1);
    }
    PATH_ARGUMENT.put("symlinkat", 2);
    PATH_ARGUMENT.put("quotactl", 1);
  }

  private SyscallPaths() {}

  /** True when the syscall has a path argument this class knows. */
  static boolean hasPath(String syscall) {
    return PATH_ARGUMENT.containsKey(syscall);
  }

  /**
   * The unescaped path argument of the syscall, or empty when it has none or it is not a string.
   */
  static String extract(String syscall, String text, int argsStart, int argsEnd) {
    Integer index = PATH_ARGUMENT.get(syscall);
    if (index == null) {
      return "";
    }
    int start = argumentStart(text, argsStart, argsEnd, index);
    if (start < 0 || start >= argsEnd || text.charAt(start) != '"') {
      return "";
    }
    return unquote(text, start, argsEnd);
  }

  /**
   * Index where the n-th top-level argument starts, skipping strings and brackets; -1 if absent.
   */
  static int argumentStart(String text, int start, int end, int n) {
    int i = start;
    int argument = 0;
    int depth = 0;
    while (argument < n) {
      if (i >= end) {
        return -1;
      }
      char c = text.charAt(i);
      if (c == '"') {
        i = skipString(text, i, end);
        continue;
      }
      if (c == '{' || c == '[' || c == '(') {
        depth++;
      } else if (c == '}' || c == ']' || c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        argument++;
        i++;
        while (i < end && text.charAt(i) == ' ') {
          i++;
        }
        continue;
      }
      i++;
    }
    return i;
  }

  private static int skipString(String text, int quote, int end) {
    int i = quote + 1;
    while (i < end) {
      char c = text.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == '"') {
        return i + 1;
      } else {
        i++;
      }
    }
    return end;
  }

  /**
   * The C-escaped string starting at the quote, decoded (octal and hex escapes are bytes of UTF-8).
   */
  static String unquote(String text, int quote, int end) {
    int i = quote + 1;
    int plainEnd = i;
    while (plainEnd < end && text.charAt(plainEnd) != '"' && text.charAt(plainEnd) != '\\') {
      plainEnd++;
    }
    if (plainEnd >= end || text.charAt(plainEnd) == '"') {
      return text.substring(i, plainEnd);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(plainEnd - i + 16);
    while (i < end) {
      char c = text.charAt(i);
      if (c == '"') {
        break;
      }
      if (c != '\\' || i + 1 >= end) {
        appendUtf8(bytes, c);
        i++;
        continue;
      }
      char e = text.charAt(i + 1);
      i += 2;
      switch (e) {
        case 'n' -> bytes.write('\n');
        case 't' -> bytes.write('\t');
        case 'r' -> bytes.write('\r');
        case 'v' -> bytes.write(0x0b);
        case 'f' -> bytes.write('\f');
        case 'a' -> bytes.write(0x07);
        case 'b' -> bytes.write('\b');
        case 'x' -> {
          int value = 0;
          int digits = 0;
          while (digits < 2 && i < end && Character.digit(text.charAt(i), 16) >= 0) {
            value = value * 16 + Character.digit(text.charAt(i), 16);
            i++;
            digits++;
          }
          bytes.write(value);
        }
        default -> {
          if (e >= '0' && e <= '7') {
            int value = e - '0';
            int digits = 1;
            while (digits < 3 && i < end && text.charAt(i) >= '0' && text.charAt(i) <= '7') {
              value = value * 8 + (text.charAt(i) - '0');
              i++;
              digits++;
            }
            bytes.write(value);
          } else {
            appendUtf8(bytes, e);
          }
        }
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static void appendUtf8(ByteArrayOutputStream bytes, char c) {
    if (c < 0x80) {
      bytes.write(c);
    } else {
      byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
      bytes.write(encoded, 0, encoded.length);
    }
  }
}
