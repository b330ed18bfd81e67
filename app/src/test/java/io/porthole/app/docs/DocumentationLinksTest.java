package io.porthole.app.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md and docs/*.md resolves, and the README stays short: runs the one
 * checker, dev/CheckLinks.java (what dev/check-links runs before Maven), so that `mvn verify`
 * checks the same.
 */
class DocumentationLinksTest {

  @Test
  void everyRelativeLinkOfTheReadmeAndTheDocsResolves() throws IOException, InterruptedException {
    Path root = repositoryRoot();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process checker =
        new ProcessBuilder(
                java.toString(), root.resolve("dev/CheckLinks.java").toString(), root.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(checker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(checker.waitFor(60, TimeUnit.SECONDS)).as("the checker finished").isTrue();
    assertThat(checker.exitValue()).as(output).isZero();
    assertThat(output).contains("every relative link resolves");
  }

  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("dev/CheckLinks.java"))) {
      dir = dir.getParent();
    }
    assertThat(dir)
        .as("the repository root (dev/CheckLinks.java) above the working directory")
        .isNotNull();
    return dir;
  }
}
