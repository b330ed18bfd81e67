package io.porthole.app.cli;

import io.porthole.testing.Await;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium from Debian's archive, driven through Debian's chromedriver (given explicitly,
 * so that Selenium Manager looks nothing up and downloads nothing), with a fresh profile and a
 * download directory of its own, both removed on close.
 */
final class ConsoleBrowser implements AutoCloseable {

  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  // Selenium looks for a CDP binding matching Chromium's version and warns, once per session, that
  // there is none; these tests use WebDriver only. Held here so the logger keeps its level.
  private static final Logger CDP_LOG = quiet("org.openqa.selenium.devtools");

  final ChromeDriver driver;
  final Path downloads;
  private final Path profile;
  private final ChromeDriverService service;

  private ConsoleBrowser(
      ChromeDriver driver, ChromeDriverService service, Path profile, Path downloads) {
    this.driver = driver;
    this.service = service;
    this.profile = profile;
    this.downloads = downloads;
  }

  static ConsoleBrowser open() throws IOException {
    Path profile = Files.createTempDirectory("porthole-chromium-profile-");
    Path downloads = Files.createTempDirectory("porthole-chromium-downloads-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,800",
        "--user-data-dir=" + profile);
    options.setExperimentalOption(
        "prefs",
        Map.of(
            "download.default_directory",
            downloads.toString(),
            "download.prompt_for_download",
            false));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().window().setSize(new Dimension(1280, 800));
    return new ConsoleBrowser(driver, service, profile, downloads);
  }

  <T> T await(String what, Duration timeout, ExpectedCondition<T> condition) {
    return new WebDriverWait(driver, timeout, Duration.ofMillis(200))
        .withMessage(what)
        .until(condition);
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> findAll(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  Object script(String js, Object... args) {
    return driver.executeScript(js, args);
  }

  /** Follows a console link (with its token) and waits for the signed-in console. */
  void signIn(String link) {
    driver.get(link);
    await("the console after signing in", Duration.ofSeconds(20), d -> find("#app").isDisplayed());
  }

  /** Waits for a row of the alert list with this rule that names this container (or part). */
  WebElement awaitAlertRow(String rule, String container, Duration timeout) {
    return await(
        rule + " alert of " + container,
        timeout,
        d ->
            findAll("#alerts-list .vrow[data-rule='" + rule + "']").stream()
                .filter(r -> r.isDisplayed() && r.getText().contains(container))
                .findFirst()
                .orElse(null));
  }

  /** A PNG of the window, under target/console-screenshots/. */
  Path screenshot(String name) throws IOException {
    Path dir = Path.of("target", "console-screenshots");
    Files.createDirectories(dir);
    Path file = dir.resolve(name + ".png");
    Files.copy(
        driver.getScreenshotAs(OutputType.FILE).toPath(),
        file,
        StandardCopyOption.REPLACE_EXISTING);
    return file;
  }

  /**
   * Waits for a finished download: Chromium writes a hidden {@code .org.chromium.Chromium.*} file,
   * then {@code NAME.crdownload}, and renames it to its name when done.
   */
  Path awaitDownload(Duration timeout) {
    List<Path> files =
        Await.awaiting("a finished download in " + downloads, timeout)
            .every(Duration.ofMillis(100))
            .value(
                () -> {
                  try (Stream<Path> listed = Files.list(downloads)) {
                    return listed.toList();
                  }
                },
                listed -> listed.stream().anyMatch(ConsoleBrowser::finishedDownload));
    return files.stream().filter(ConsoleBrowser::finishedDownload).findFirst().orElseThrow();
  }

  private static boolean finishedDownload(Path file) {
    String name = file.getFileName().toString();
    return !name.startsWith(".") && !name.endsWith(".crdownload");
  }

  private static Logger quiet(String name) {
    Logger logger = Logger.getLogger(name);
    logger.setLevel(Level.SEVERE);
    return logger;
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      service.stop();
      delete(profile);
      delete(downloads);
    }
  }

  private static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
