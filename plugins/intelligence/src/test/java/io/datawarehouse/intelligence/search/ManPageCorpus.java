package io.datawarehouse.intelligence.search;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * A known-item retrieval corpus from the manual pages installed on this machine (text nobody here
 * wrote, read at test time, never committed): each page's one-line description from its NAME
 * section is a query, and the rest of the page, with the NAME section removed, is the document to
 * find. Pages without a NAME section, redirections ({@code .so}), very short pages and pages
 * whose description is shared with another page are left out.
 */
final class ManPageCorpus {
  private static final Pattern ESCAPES = Pattern.compile("\\\\f(\\[[^]]*]|\\(..|.)|\\\\\\(..|\\\\\\*(\\(..|\\[[^]]*]|.)"
      + "|\\\\s[-+]?\\d|\\\\[&|^%c:!]|\\\\[hvwn]'[^']*'");

  record Page(String id, String description, String body) {}

  private ManPageCorpus() {}

  /**
   * Every {@code stride}-th page of {@code dir} (sorted by file name), at most {@code max}.
   */
  static List<Page> load(Path dir, int stride, int max) throws IOException {
    List<Path> files;
    try (var s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".gz")).sorted().toList();
    }
    List<Page> pages = new ArrayList<>();
    Map<String, Integer> descriptions = new HashMap<>();
    for (int i = 0; i < files.size(); i += stride) {
      Page p = parse(files.get(i));
      if (p != null) {
        pages.add(p);
        descriptions.merge(p.description().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
      }
    }
    List<Page> unique = new ArrayList<>();
    for (Page p : pages) {
      if (descriptions.get(p.description().toLowerCase(java.util.Locale.ROOT)) == 1 && unique.size() < max) {
        unique.add(p);
      }
    }
    return unique;
  }

  static Page parse(Path file) throws IOException {
    String raw;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null; // not gzip after all, or unreadable: not part of the corpus
    }
    String[] lines = raw.split("\n");
    StringBuilder name = new StringBuilder();
    StringBuilder body = new StringBuilder();
    boolean inName = false;
    for (String line : lines) {
      if (line.startsWith(".so ")) {
        return null;
      }
      if (line.startsWith(".\\\"") || line.startsWith("'\\\"") || line.startsWith("\\\"")) {
        continue;
      }
      if (line.startsWith(".SH") || line.startsWith(".Sh")) {
        String title = line.substring(3).trim().replace("\"", "");
        inName = title.equalsIgnoreCase("NAME");
        if (!inName) {
          body.append('\n').append(title).append('\n');
        }
        continue;
      }
      String text = clean(line);
      if (text.isBlank()) {
        continue;
      }
      (inName ? name : body).append(text).append(inName ? ' ' : '\n');
    }
    String n = name.toString().trim();
    int dash = n.indexOf(" - ");
    if (dash < 0) {
      return null;
    }
    String description = n.substring(dash + 3).trim();
    String b = body.toString().trim();
    if (description.split("\\s+").length < 3 || b.length() < 300) {
      return null;
    }
    return new Page(file.getFileName().toString(), description, b);
  }

  /** A troff line as plain text: macros dropped (their arguments kept), escapes removed. */
  static String clean(String line) {
    String s = line;
    if (s.startsWith(".") || s.startsWith("'")) {
      int sp = s.indexOf(' ');
      s = sp < 0 ? "" : s.substring(sp + 1);
      s = s.replace("\"", "");
    }
    s = s.replace("\\-", "-").replace("\\(em", "-").replace("\\(en", "-").replace("\\e", "\\");
    s = ESCAPES.matcher(s).replaceAll("");
    return s.replace("\\ ", " ").replace("\\", "").trim();
  }
}
