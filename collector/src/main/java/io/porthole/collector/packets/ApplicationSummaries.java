package io.porthole.collector.packets;

import io.porthole.proto.ApplicationSummary;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A light layer-7 reading of a flow's excerpts: the HTTP request line and Host header of the
 * forward excerpt, the HTTP status line of the reverse one, and for DNS (port 53) the first query's
 * name and type and the first response's rcode. Only what the excerpts hold is read; anything
 * unrecognisable is left out.
 */
final class ApplicationSummaries {

  private static final String[] HTTP_METHODS = {
    "GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "CONNECT ", "OPTIONS ", "TRACE ", "PATCH "
  };
  private static final int DNS_PORT = 53;
  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\d(\\.\\d)? \\d{3}( .*)?");

  private ApplicationSummaries() {}

  /** The summary, or null when nothing was recognised. */
  static ApplicationSummary summarize(
      int protocol,
      int sourcePort,
      int destinationPort,
      byte[] forward,
      int forwardLength,
      byte[] reverse,
      int reverseLength) {
    ApplicationSummary.Builder summary = ApplicationSummary.newBuilder();
    boolean found = false;
    if (protocol == PacketParser.PROTO_TCP) {
      found |= http(forward, forwardLength, reverse, reverseLength, summary);
    }
    if ((protocol == PacketParser.PROTO_UDP)
        && (sourcePort == DNS_PORT || destinationPort == DNS_PORT)) {
      found |= dns(forward, forwardLength, reverse, reverseLength, summary);
    }
    return found ? summary.build() : null;
  }

  private static boolean http(
      byte[] forward,
      int forwardLength,
      byte[] reverse,
      int reverseLength,
      ApplicationSummary.Builder summary) {
    boolean found = false;
    if (forward != null && startsWithMethod(forward, forwardLength)) {
      int lineEnd = lineEnd(forward, 0, forwardLength);
      String requestLine = printable(forward, 0, lineEnd);
      if (requestLine != null) {
        summary.setHttpRequestLine(requestLine);
        found = true;
        String host = header(forward, forwardLength, lineEnd, "host:");
        if (host != null) {
          summary.setHttpHost(host);
        }
      }
    }
    if (reverse != null && startsWith(reverse, reverseLength, "HTTP/")) {
      String statusLine = printable(reverse, 0, lineEnd(reverse, 0, reverseLength));
      if (statusLine != null && STATUS_LINE.matcher(statusLine).matches()) {
        summary.setHttpStatusLine(statusLine);
        found = true;
      }
    }
    return found;
  }

  private static boolean startsWithMethod(byte[] data, int length) {
    for (String method : HTTP_METHODS) {
      if (startsWith(data, length, method)) {
        return true;
      }
    }
    return false;
  }

  private static boolean startsWith(byte[] data, int length, String prefix) {
    if (length < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (data[i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Index of the CR or LF ending the line that starts at {@code from}, or {@code length}. */
  private static int lineEnd(byte[] data, int from, int length) {
    for (int i = from; i < length; i++) {
      if (data[i] == '\r' || data[i] == '\n') {
        return i;
      }
    }
    return length;
  }

  /** The value of a header whose line is complete within the excerpt. */
  private static String header(byte[] data, int length, int from, String lowerCaseName) {
    int i = from;
    while (i < length) {
      while (i < length && (data[i] == '\r' || data[i] == '\n')) {
        i++;
      }
      int end = lineEnd(data, i, length);
      if (end == length) {
        return null;
      }
      if (end == i) {
        return null;
      }
      if (end - i > lowerCaseName.length() && regionMatchesIgnoreCase(data, i, lowerCaseName)) {
        String value = printable(data, i + lowerCaseName.length(), end);
        return value == null ? null : value.trim();
      }
      i = end;
    }
    return null;
  }

  private static boolean regionMatchesIgnoreCase(byte[] data, int at, String lowerCase) {
    for (int i = 0; i < lowerCase.length(); i++) {
      if (Character.toLowerCase((char) (data[at + i] & 0xFF)) != lowerCase.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static String printable(byte[] data, int from, int to) {
    if (to <= from) {
      return null;
    }
    for (int i = from; i < to; i++) {
      int c = data[i] & 0xFF;
      if (c < 0x20 || c > 0x7E) {
        return null;
      }
    }
    return new String(data, from, to - from, StandardCharsets.US_ASCII);
  }

  private static boolean dns(
      byte[] forward,
      int forwardLength,
      byte[] reverse,
      int reverseLength,
      ApplicationSummary.Builder summary) {
    boolean found = false;
    boolean query = forward != null && forwardLength >= 12 && (forward[2] & 0x80) == 0;
    boolean response = reverse != null && reverseLength >= 12 && (reverse[2] & 0x80) != 0;
    if (query) {
      found = question(forward, forwardLength, summary);
    }
    if (response) {
      summary.setDnsRcode(rcodeName(reverse[3] & 0x0F));
      found = true;
      if (!query) {
        question(reverse, reverseLength, summary);
      }
    }
    return found;
  }

  /** Reads the first question's name and type; false when the excerpt does not hold it. */
  private static boolean question(byte[] message, int length, ApplicationSummary.Builder summary) {
    int questions = (message[4] & 0xFF) << 8 | (message[5] & 0xFF);
    if (questions == 0) {
      return false;
    }
    StringBuilder name = new StringBuilder();
    int i = 12;
    while (true) {
      if (i >= length) {
        return false;
      }
      int label = message[i] & 0xFF;
      if (label == 0) {
        i++;
        break;
      }
      if (label > 63 || i + 1 + label > length) {
        return false;
      }
      if (name.length() > 0) {
        name.append('.');
      }
      for (int j = i + 1; j <= i + label; j++) {
        int c = message[j] & 0xFF;
        name.append(c > 0x20 && c < 0x7F ? (char) c : '?');
      }
      i += 1 + label;
    }
    if (i + 2 > length) {
      return false;
    }
    summary.setDnsQueryName(name.length() == 0 ? "." : name.toString());
    summary.setDnsQueryType(typeName((message[i] & 0xFF) << 8 | (message[i + 1] & 0xFF)));
    return true;
  }

  static String typeName(int type) {
    return switch (type) {
      case 1 -> "A";
      case 2 -> "NS";
      case 5 -> "CNAME";
      case 6 -> "SOA";
      case 12 -> "PTR";
      case 15 -> "MX";
      case 16 -> "TXT";
      case 28 -> "AAAA";
      case 33 -> "SRV";
      case 64 -> "SVCB";
      case 65 -> "HTTPS";
      case 255 -> "ANY";
      default -> "TYPE" + type;
    };
  }

  static String rcodeName(int rcode) {
    return switch (rcode) {
      case 0 -> "NOERROR";
      case 1 -> "FORMERR";
      case 2 -> "SERVFAIL";
      case 3 -> "NXDOMAIN";
      case 4 -> "NOTIMP";
      case 5 -> "REFUSED";
      case 6 -> "YXDOMAIN";
      case 7 -> "YXRRSET";
      case 8 -> "NXRRSET";
      case 9 -> "NOTAUTH";
      case 10 -> "NOTZONE";
      default -> "RCODE" + rcode;
    };
  }
}
