package io.porthole.collector.packets;

/**
 * Text forms of addresses held as two longs, as Docker writes them in inspect (dotted IPv4; IPv6 in
 * the RFC 5952 canonical form: lower-case hex, the longest run of two or more zero groups as {@code
 * ::}), so that a flow's address can be looked up in the container directory as it is.
 */
public final class IpAddresses {

  private IpAddresses() {}

  public static String format(boolean ipv6, long hi, long lo) {
    return ipv6 ? formatIpv6(hi, lo) : formatIpv4((int) lo);
  }

  public static String formatIpv4(int address) {
    return ((address >>> 24) & 0xFF)
        + "."
        + ((address >>> 16) & 0xFF)
        + "."
        + ((address >>> 8) & 0xFF)
        + "."
        + (address & 0xFF);
  }

  public static String formatIpv6(long hi, long lo) {
    int[] groups = new int[8];
    for (int i = 0; i < 4; i++) {
      groups[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
      groups[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < 8 && groups[i] == 0) {
        i++;
      }
      if (i - start > bestLength) {
        bestStart = start;
        bestLength = i - start;
      }
    }
    StringBuilder text = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i]));
    }
    return text.toString();
  }
}
