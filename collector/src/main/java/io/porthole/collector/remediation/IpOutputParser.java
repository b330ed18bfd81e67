package io.porthole.collector.remediation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the outputs of iproute2's {@code ip -o link show} (with or without {@code -d}) and {@code
 * ip route show default}. Plain text in, records out; a line that is not of the expected form is an
 * {@link IllegalArgumentException} quoting it, never a guess.
 */
public final class IpOutputParser {

  // "21: vetha05a878@if20: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ..."
  private static final Pattern LINK_HEAD =
      Pattern.compile("^(\\d+):\\s+([^:@\\s]+)(?:@(?:if(\\d+)|[^:\\s]+))?:\\s+<([^>]*)>(.*)$");
  private static final Pattern MASTER = Pattern.compile("\\smaster\\s+(\\S+)");
  private static final Pattern STATE = Pattern.compile("\\sstate\\s+(\\S+)");
  private static final Pattern ROUTE_DEV = Pattern.compile("\\sdev\\s+(\\S+)");
  // With -d, -o joins detail lines with "\" + spaces; the first word of a detail segment is the
  // kind.
  private static final Set<String> KINDS =
      Set.of(
          "veth",
          "bridge",
          "bond",
          "vlan",
          "macvlan",
          "ipvlan",
          "vxlan",
          "tun",
          "dummy",
          "ifb",
          "wireguard",
          "ipip",
          "gre",
          "sit",
          "ip6tnl",
          "gretap",
          "ip6gre",
          "ip6gretap",
          "erspan",
          "ip6erspan",
          "vti",
          "ip6vti");

  private IpOutputParser() {}

  /** Every interface of an {@code ip -o link show} output (blank lines ignored). */
  public static List<IpLink> parseLinks(String output) {
    List<IpLink> links = new ArrayList<>();
    for (String line : output.split("\n")) {
      if (!line.isBlank()) {
        links.add(parseLink(line));
      }
    }
    return links;
  }

  /** One line of {@code ip -o link show}. */
  public static IpLink parseLink(String line) {
    Matcher head = LINK_HEAD.matcher(line.strip());
    if (!head.matches()) {
      throw new IllegalArgumentException("not an 'ip -o link' line: '" + abbreviate(line) + "'");
    }
    int index = Integer.parseInt(head.group(1));
    String name = head.group(2);
    int peer = head.group(3) == null ? -1 : Integer.parseInt(head.group(3));
    Set<String> flags = new LinkedHashSet<>(List.of(head.group(4).split(",")));
    flags.remove("");
    String rest = head.group(5);
    return new IpLink(
        index, name, peer, flags, find(STATE, rest), find(MASTER, rest), kindOf(rest));
  }

  /** The interfaces named by {@code dev} in {@code ip route show default} (IPv4 or IPv6) output. */
  public static Set<String> routeInterfaces(String output) {
    Set<String> devices = new HashSet<>();
    for (String line : output.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String found = find(ROUTE_DEV, " " + line.strip());
      if (found.isEmpty()) {
        throw new IllegalArgumentException("route without 'dev': '" + abbreviate(line) + "'");
      }
      devices.add(found);
    }
    return devices;
  }

  private static String kindOf(String rest) {
    String[] segments = rest.split("\\\\");
    for (int i = 1; i < segments.length; i++) {
      String segment = segments[i].strip();
      int space = segment.indexOf(' ');
      String first = space < 0 ? segment : segment.substring(0, space);
      if (KINDS.contains(first)) {
        return first;
      }
    }
    return "";
  }

  private static String find(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    return matcher.find() ? matcher.group(1) : "";
  }

  private static String abbreviate(String line) {
    return line.length() > 120 ? line.substring(0, 120) + "..." : line;
  }
}
