package io.porthole.runtime;

/** A configuration value is missing or wrong; the message names the key and what was expected. */
public class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
