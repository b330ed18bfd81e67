package io.porthole.controller;

import io.porthole.runtime.security.CommandKeys;
import io.porthole.runtime.security.CommandSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;

/** One Ed25519 key pair per test JVM, as a signer and as the PEM files the controller reads. */
public final class TestKeys {

  private static final Path DIR = directory();
  public static final Path SIGNING_FILE = DIR.resolve("command-signing.pem");
  public static final Path VERIFY_FILE = DIR.resolve("command-verify.pem");
  public static final CommandSigner SIGNER = write();

  private TestKeys() {}

  /** A signer of another, untrusted key. */
  public static CommandSigner otherSigner() {
    KeyPair pair = CommandKeys.generate();
    return new CommandSigner(
        new CommandKeys.SigningKey(
            pair.getPrivate(), pair.getPublic(), CommandKeys.keyId(pair.getPublic())));
  }

  private static Path directory() {
    try {
      Path dir = Files.createTempDirectory("porthole-controller-keys");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CommandSigner write() {
    try {
      CommandKeys.writePair(SIGNING_FILE, VERIFY_FILE);
      SIGNING_FILE.toFile().deleteOnExit();
      VERIFY_FILE.toFile().deleteOnExit();
      return CommandSigner.fromFile(SIGNING_FILE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
