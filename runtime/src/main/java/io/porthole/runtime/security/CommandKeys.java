package io.porthole.runtime.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ed25519 keys of remediation commands as PEM files: the signing file holds the PKCS#8 private key
 * followed by its X.509 SubjectPublicKeyInfo public key (the JDK cannot derive one from the other),
 * a verify file holds public keys only. A key id is the hex of the first 8 bytes of the SHA-256 of
 * the public key's X.509 encoding.
 */
public final class CommandKeys {

  public static final String ALGORITHM = "Ed25519";
  private static final String PRIVATE = "PRIVATE KEY";
  private static final String PUBLIC = "PUBLIC KEY";
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

  private CommandKeys() {}

  /** A private key with the public key that goes with it and that key's id. */
  public record SigningKey(PrivateKey privateKey, PublicKey publicKey, String keyId) {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Ed25519 unavailable in this JDK", e);
    }
  }

  public static String keyId(PublicKey key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  public static String signingPem(KeyPair pair) {
    return pem(PRIVATE, pair.getPrivate().getEncoded())
        + pem(PUBLIC, pair.getPublic().getEncoded());
  }

  public static String publicPem(PublicKey key) {
    return pem(PUBLIC, key.getEncoded());
  }

  /**
   * Writes a fresh pair: the signing file (private and public key, mode 600) and the verify file
   * (public key only, mode 644).
   */
  public static KeyPair writePair(Path signingFile, Path verifyFile) throws IOException {
    KeyPair pair = generate();
    Files.createDirectories(signingFile.toAbsolutePath().getParent());
    Files.deleteIfExists(signingFile);
    Files.createFile(
        signingFile,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        signingFile,
        signingPem(pair),
        StandardCharsets.US_ASCII,
        StandardOpenOption.TRUNCATE_EXISTING);
    Files.createDirectories(verifyFile.toAbsolutePath().getParent());
    Files.writeString(verifyFile, publicPem(pair.getPublic()), StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(verifyFile, PosixFilePermissions.fromString("rw-r--r--"));
    return pair;
  }

  /**
   * The signing key of a PEM file.
   *
   * @throws IllegalArgumentException saying what is missing or wrong (never the key's bytes)
   */
  public static SigningKey readSigningKey(Path file) {
    List<Block> blocks = blocks(read(file), file);
    PrivateKey privateKey = null;
    PublicKey publicKey = null;
    for (Block block : blocks) {
      if (block.type.equals(PRIVATE) && privateKey == null) {
        privateKey = decodePrivate(block.der, file);
      } else if (block.type.equals(PUBLIC) && publicKey == null) {
        publicKey = decodePublic(block.der, file);
      }
    }
    if (privateKey == null) {
      throw new IllegalArgumentException(
          file + ": no '-----BEGIN PRIVATE KEY-----' block (an Ed25519 PKCS#8 key)");
    }
    if (publicKey == null) {
      throw new IllegalArgumentException(
          file
              + ": no '-----BEGIN PUBLIC KEY-----' block after the private key; add it with"
              + " `openssl pkey -in "
              + file
              + " -pubout >> "
              + file
              + "`");
    }
    if (!matches(privateKey, publicKey)) {
      throw new IllegalArgumentException(file + ": the public key block is not the private key's");
    }
    return new SigningKey(privateKey, publicKey, keyId(publicKey));
  }

  /** Every public key of a PEM file (at least one). */
  public static List<PublicKey> readPublicKeys(Path file) {
    List<PublicKey> keys = new ArrayList<>();
    for (Block block : blocks(read(file), file)) {
      if (block.type.equals(PRIVATE)) {
        throw new IllegalArgumentException(
            file + ": holds a private key; a verify key file must hold public keys only");
      }
      if (block.type.equals(PUBLIC)) {
        keys.add(decodePublic(block.der, file));
      }
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException(
          file + ": no '-----BEGIN PUBLIC KEY-----' block (an Ed25519 public key)");
    }
    return keys;
  }

  private record Block(String type, byte[] der) {}

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          file + ": cannot be read (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static List<Block> blocks(String text, Path file) {
    List<Block> blocks = new ArrayList<>();
    Matcher matcher = BLOCK.matcher(text);
    while (matcher.find()) {
      try {
        blocks.add(new Block(matcher.group(1), Base64.getMimeDecoder().decode(matcher.group(2))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            file + ": a " + matcher.group(1) + " block is not valid base64");
      }
    }
    return blocks;
  }

  private static PrivateKey decodePrivate(byte[] der, Path file) {
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + ": the private key is not an Ed25519 PKCS#8 key");
    }
  }

  private static PublicKey decodePublic(byte[] der, Path file) {
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          file + ": a public key is not an Ed25519 SubjectPublicKeyInfo key");
    }
  }

  private static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
    byte[] probe = "porthole key pair check".getBytes(StandardCharsets.US_ASCII);
    try {
      byte[] signature = Ed25519.sign(privateKey, probe);
      return Ed25519.verify(publicKey, probe, signature);
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
