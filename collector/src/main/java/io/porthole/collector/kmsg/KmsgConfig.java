package io.porthole.collector.kmsg;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The kernel-log OOM source's configuration.
 *
 * @param enabled whether to read the kernel log ({@code kmsg.enabled}, default true)
 * @param device the kernel log device ({@code kmsg.device}, default {@code /dev/kmsg})
 */
public record KmsgConfig(boolean enabled, Path device) {

  public static final String ENABLED = "kmsg.enabled";
  public static final String DEVICE = "kmsg.device";

  public KmsgConfig {
    Objects.requireNonNull(device, "device");
  }

  public static KmsgConfig from(Settings settings) {
    boolean enabled = settings.bool(ENABLED, true);
    String text = settings.string(DEVICE, "/dev/kmsg");
    Path device;
    try {
      device = Path.of(text);
    } catch (InvalidPathException e) {
      throw new ConfigException(
          settings.describe(DEVICE), "expected an absolute path but was '" + text + "'");
    }
    if (!device.isAbsolute()) {
      throw new ConfigException(
          settings.describe(DEVICE), "expected an absolute path but was '" + text + "'");
    }
    return new KmsgConfig(enabled, device);
  }
}
