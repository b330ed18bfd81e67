import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks that every relative link in README.md and docs/*.md resolves: the file or folder exists
 * in the repository, and an anchor names a heading of the target page (GitHub's heading slugs);
 * and that the README stays at most 250 lines. Run as a single-file program, no build needed:
 * {@code java dev/CheckLinks.java [REPOSITORY_ROOT]} (dev/check-links). Exit 0 when all is well,
 * 1 with one line per broken link otherwise.
 */
public final class CheckLinks {

  static final int README_MAX_LINES = 250;
  private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)\\)");

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    List<String> problems = problems(root);
    problems.forEach(System.out::println);
    if (!problems.isEmpty()) {
      System.out.println("check-links: " + problems.size() + " problem(s)");
      System.exit(1);
    }
    System.out.println("check-links: every relative link resolves");
  }

  static List<String> problems(Path root) throws IOException {
    List<Path> pages = new ArrayList<>();
    pages.add(root.resolve("README.md"));
    try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    List<String> problems = new ArrayList<>();
    for (Path page : pages) {
      for (String target : links(page)) {
        problem(root, page, target)
            .ifPresent(p -> problems.add(root.relativize(page) + ": (" + target + ") " + p));
      }
    }
    long readmeLines = Files.readAllLines(root.resolve("README.md")).size();
    if (readmeLines > README_MAX_LINES) {
      problems.add("README.md: " + readmeLines + " lines, more than " + README_MAX_LINES);
    }
    return problems;
  }

  private static Optional<String> problem(Path root, Path page, String target) throws IOException {
    if (target.matches("^[a-z]+:.*")) {
      return Optional.empty(); // http(s), mailto: not checked here (no network)
    }
    int hash = target.indexOf('#');
    String file = hash < 0 ? target : target.substring(0, hash);
    String anchor = hash < 0 ? null : target.substring(hash + 1);
    Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
    if (!resolved.startsWith(root)) {
      return Optional.of("points outside the repository");
    }
    if (!Files.exists(resolved)) {
      return Optional.of("no such file");
    }
    if (anchor != null && resolved.toString().endsWith(".md") && !slugs(resolved).contains(anchor)) {
      return Optional.of("no heading with anchor #" + anchor);
    }
    return Optional.empty();
  }

  private static List<String> links(Path page) throws IOException {
    List<String> targets = new ArrayList<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(page)) {
      if (line.trim().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      if (fenced) {
        continue;
      }
      Matcher matcher = LINK.matcher(line);
      while (matcher.find()) {
        targets.add(matcher.group(1));
      }
    }
    return targets;
  }

  /** GitHub's anchors: lower case, punctuation but '-' and '_' dropped, spaces to '-', repeats numbered. */
  static Set<String> slugs(Path page) throws IOException {
    Set<String> slugs = new HashSet<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(page)) {
      if (line.trim().startsWith("```")) {
        fenced = !fenced;
      }
      if (fenced || !line.matches("^#{1,6} .*")) {
        continue;
      }
      String text = line.replaceFirst("^#{1,6} ", "").trim().toLowerCase(Locale.ROOT);
      String slug = text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
      String unique = slug;
      for (int n = 1; !slugs.add(unique); n++) {
        unique = slug + "-" + n;
      }
    }
    return slugs;
  }
}
