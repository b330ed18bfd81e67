package io.porthole.collector.strace;

/**
 * Canonical strings for errno and syscall names cut out of strace lines, so that the same name is
 * not allocated again for every line (a small direct-mapped cache; a miss just allocates).
 */
final class ErrnoNames {

  private static final int SLOTS = 1024;
  private static final String[] ERRNO = new String[SLOTS];

  private ErrnoNames() {}

  static String name(String text, int start, int end) {
    return intern(ERRNO, text, start, end);
  }

  static String intern(String[] cache, String text, int start, int end) {
    int hash = 0;
    for (int i = start; i < end; i++) {
      hash = 31 * hash + text.charAt(i);
    }
    int slot = (hash ^ (hash >>> 16)) & (cache.length - 1);
    String cached = cache[slot];
    int length = end - start;
    if (cached != null
        && cached.length() == length
        && cached.regionMatches(0, text, start, length)) {
      return cached;
    }
    String fresh = text.substring(start, end);
    cache[slot] = fresh;
    return fresh;
  }
}
