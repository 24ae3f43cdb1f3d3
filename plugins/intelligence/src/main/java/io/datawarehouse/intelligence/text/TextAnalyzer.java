package io.datawarehouse.intelligence.text;

import io.datawarehouse.sdk.DwException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Text to index terms with one of Lucene's analyzers: {@code english} (Unicode word breaking,
 * lower case, English possessives and stop words removed, Porter stemming) or {@code standard}
 * (word breaking and lower case only). Thread-safe (Lucene analyzers reuse per-thread components).
 */
public final class TextAnalyzer implements AutoCloseable {
  private final String name;
  private final Analyzer analyzer;

  private TextAnalyzer(String name, Analyzer analyzer) {
    this.name = name;
    this.analyzer = analyzer;
  }

  /** The analyzer named {@code name}: "english" or "standard". */
  public static TextAnalyzer named(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    return switch (n) {
      case "english" -> new TextAnalyzer(n, new EnglishAnalyzer());
      case "standard" -> new TextAnalyzer(n, new StandardAnalyzer());
      default -> throw DwException.invalidArgument("unknown analyzer '" + name + "'; known: english, standard");
    };
  }

  public String name() {
    return name;
  }

  /** The terms of {@code text}, in order, repeats kept. */
  public List<String> terms(String text) {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = analyzer.tokenStream("text", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(term.toString());
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException("analysing text from memory", e);
    }
    return out;
  }

  @Override
  public void close() {
    analyzer.close();
  }
}
