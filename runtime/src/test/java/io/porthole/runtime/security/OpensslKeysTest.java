package io.porthole.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keys made with OpenSSL, as the docs tell operators to (test fixtures only, never deployed):
 * {@code openssl genpkey -algorithm ed25519 -out s.pem; openssl pkey -in s.pem -pubout -out v.pem;
 * cat v.pem >> s.pem}, and the signature {@code openssl pkeyutl -sign -rawin} made of "porthole".
 */
class OpensslKeysTest {

  private static final String OPENSSL_SIGNATURE_OF_PORTHOLE =
      "ophEMEhFYc247b5AWiAEJFf2WLUZHqht6iQBTcAN4Z9uyz7WpV1TF2XgPr+NmlpF2J5WmxMLVl+nYqtG8OPpBw==";

  private static Path fixture(String name) throws Exception {
    return Path.of(OpensslKeysTest.class.getResource("/security/" + name).toURI());
  }

  @Test
  void opensslKeysAreReadAndSignExactlyAsOpensslDoes() throws Exception {
    CommandKeys.SigningKey key = CommandKeys.readSigningKey(fixture("openssl-signing.pem"));
    byte[] message = "porthole".getBytes(StandardCharsets.US_ASCII);
    // Ed25519 is deterministic: the same key signs the same bytes identically in both.
    assertThat(Base64.getEncoder().encodeToString(Ed25519.sign(key.privateKey(), message)))
        .isEqualTo(OPENSSL_SIGNATURE_OF_PORTHOLE);
    assertThat(
            Ed25519.verify(
                CommandKeys.readPublicKeys(fixture("openssl-verify.pem")).get(0),
                message,
                Base64.getDecoder().decode(OPENSSL_SIGNATURE_OF_PORTHOLE)))
        .isTrue();
    assertThat(CommandVerifier.fromFiles(List.of(fixture("openssl-verify.pem"))).keyIds())
        .containsExactly(key.keyId());
  }
}
