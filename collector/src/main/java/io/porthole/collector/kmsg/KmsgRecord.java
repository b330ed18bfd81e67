package io.porthole.collector.kmsg;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One record of the kernel's log as {@code /dev/kmsg} gives it
 * (Documentation/ABI/testing/dev-kmsg): {@code PRIORITY,SEQUENCE,MICROSECONDS,FLAGS[,...];MESSAGE},
 * then optional continuation lines that start with a space ({@code SUBSYSTEM=acpi}), which this
 * reader ignores. Non-printable bytes of the message arrive escaped as {@code \xHH}. One {@code
 * read(2)} of {@code /dev/kmsg} returns exactly one record. Plain Java.
 *
 * @param priority syslog priority and facility ({@code facility << 3 | level})
 * @param sequence the record's sequence number: increases by one per record since boot
 * @param monotonicMicros when it was logged, microseconds since boot
 * @param message the text, unescaped
 */
public record KmsgRecord(int priority, long sequence, long monotonicMicros, String message) {

  /** Parses a record (continuation lines included or not); empty for text that is not one. */
  public static Optional<KmsgRecord> parse(String text) {
    if (text == null || text.isEmpty() || text.charAt(0) == ' ') {
      return Optional.empty();
    }
    int newline = text.indexOf('\n');
    String first = newline < 0 ? text : text.substring(0, newline);
    int semicolon = first.indexOf(';');
    if (semicolon < 0) {
      return Optional.empty();
    }
    String[] prefix = first.substring(0, semicolon).split(",");
    if (prefix.length < 3) {
      return Optional.empty();
    }
    try {
      int priority = Integer.parseInt(prefix[0]);
      long sequence = Long.parseLong(prefix[1]);
      long micros = Long.parseLong(prefix[2]);
      if (priority < 0 || sequence < 0 || micros < 0) {
        return Optional.empty();
      }
      return Optional.of(
          new KmsgRecord(priority, sequence, micros, unescape(first.substring(semicolon + 1))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The kernel escapes control bytes and bytes above 0x7e as {@code \xHH}. */
  static String unescape(String message) {
    if (message.indexOf("\\x") < 0) {
      return message;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.length());
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      if (c == '\\'
          && i + 3 < message.length()
          && message.charAt(i + 1) == 'x'
          && isHex(message.charAt(i + 2))
          && isHex(message.charAt(i + 3))) {
        bytes.write(Integer.parseInt(message.substring(i + 2, i + 4), 16));
        i += 3;
      } else {
        byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(encoded, 0, encoded.length);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
