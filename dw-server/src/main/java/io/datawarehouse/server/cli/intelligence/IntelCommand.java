package io.datawarehouse.server.cli.intelligence;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.intelligence.search.SearchMessages;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.server.cli.CliSupport;
import io.datawarehouse.server.cli.ProgressBar;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dw intel}: the intelligence plugin's commands: semantic search collections on the local
 * data directory (the classes below), the memory store ({@link IntelMemoryCommand}) and schema
 * extraction ({@link IntelSchemaCommand}). Each subcommand starts
 * the intelligence plugin in this process and talks to it over the bus topics a remote caller
 * would use ({@code intelligence.index}, {@code intelligence.search.semantic},
 * {@code intelligence.collections}).
 */
@Command(name = "intel", mixinStandardHelpOptions = true,
    description = "Semantic search (index, search, collections), the AI memory store (memory) and schema "
        + "extraction for AutoML (schema).",
    subcommands = {IntelCommand.Index.class, IntelCommand.Search.class, IntelCommand.Collections.class,
        IntelMemoryCommand.class, IntelSchemaCommand.class})
public final class IntelCommand implements Runnable {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);
  static final int MAX_FILE_BYTES = 256 * 1024;
  private static final int BATCH_BYTES = 512 * 1024;
  private static final int BATCH_DOCS = 32;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static JsonNode request(Kernel k, String topic, Object body) {
    return k.bus().requestSync(Message.json(topic, body), TIMEOUT).jsonTree();
  }

  /** {@code dw intel index --collection C FILE_OR_DIR...}. */
  @Command(name = "index", mixinStandardHelpOptions = true,
      description = {"Index text files (directories recursively) into a collection, creating it.",
          "A file's id is its absolute path; re-indexing a file replaces it. Binary files (a NUL byte or",
          "invalid UTF-8) are skipped; text beyond " + MAX_FILE_BYTES / 1024 + " KiB of a file is not indexed."})
  public static final class Index implements Callable<Integer> {
    @Option(names = {"-c", "--collection"}, required = true, paramLabel = "NAME", description = "collection name")
    String collection;

    @Parameters(arity = "1..*", paramLabel = "FILE_OR_DIR", description = "text files or directories")
    List<Path> paths;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      CliSupport cli = CliSupport.of(spec);
      List<Path> files = new ArrayList<>();
      for (Path p : paths) {
        if (!Files.exists(p)) {
          throw new CliSupport.CommandFailure("no such file or directory: " + p);
        }
        try (Stream<Path> s = Files.walk(p)) {
          s.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
      }
      ProgressBar bar = new ProgressBar(cli.err());
      Instant start = Instant.now();
      int indexed = 0;
      int skipped = 0;
      JsonNode last = null;
      try (Kernel k = cli.startKernel(Set.of("intelligence"))) {
        List<SearchMessages.Doc> batch = new ArrayList<>();
        int batchBytes = 0;
        for (int i = 0; i < files.size(); i++) {
          Path f = files.get(i);
          String text = readText(f);
          if (text == null) {
            skipped++;
          } else {
            Map<String, Object> md = new LinkedHashMap<>();
            md.put("path", f.toAbsolutePath().normalize().toString());
            md.put("name", f.getFileName().toString());
            md.put("bytes", Files.size(f));
            batch.add(new SearchMessages.Doc(f.toAbsolutePath().normalize().toString(), text, md));
            batchBytes += text.length();
          }
          if (!batch.isEmpty() && (batch.size() >= BATCH_DOCS || batchBytes >= BATCH_BYTES || i == files.size() - 1)) {
            last = request(k, SearchMessages.INDEX, new SearchMessages.IndexRequest(collection, batch, null));
            indexed += batch.size();
            batch = new ArrayList<>();
            batchBytes = 0;
          }
          bar.onProgress(new Progress("index " + collection, i + 1, files.size(), "files", start,
              i == files.size() - 1, f.getFileName().toString()));
        }
      }
      cli.out().printf(Locale.ROOT, "indexed %d files into '%s' (%d skipped as binary)%s%n", indexed, collection, skipped,
          last == null ? "" : "; " + last.path("documents").asInt() + " documents, embeddings "
              + last.path("embeddingModel").asText());
      cli.out().flush();
      return CliSupport.EXIT_OK;
    }

    /** The file's text (its first MAX_FILE_BYTES), or null when it is not UTF-8 text. */
    static String readText(Path f) throws IOException {
      byte[] b;
      try (InputStream in = Files.newInputStream(f)) {
        b = in.readNBytes(MAX_FILE_BYTES);
      }
      for (byte x : b) {
        if (x == 0) {
          return null;
        }
      }
      int len = b.length;
      if (len == MAX_FILE_BYTES) {
        // do not cut a multi-byte character in half
        while (len > 0 && (b[len - 1] & 0xC0) == 0x80) {
          len--;
        }
        if (len > 0 && (b[len - 1] & 0x80) != 0) {
          len--;
        }
      }
      try {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(b, 0, len)).toString();
      } catch (CharacterCodingException e) {
        return null;
      }
    }
  }

  /** {@code dw intel search --collection C "query" [-k 10] [--json]}. */
  @Command(name = "search", mixinStandardHelpOptions = true, description = "Search a collection.")
  public static final class Search implements Callable<Integer> {
    @Option(names = {"-c", "--collection"}, required = true, paramLabel = "NAME", description = "collection name")
    String collection;

    @Parameters(index = "0", paramLabel = "QUERY", description = "the query text")
    String query;

    @Option(names = "-k", defaultValue = "10", description = "number of hits (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--mode", defaultValue = "dense", description = "dense, lexical or hybrid (default ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--filter", paramLabel = "KEY=VALUE", description = "metadata equality filter, repeatable")
    Map<String, String> filter;

    @Option(names = "--json", description = "print the reply as JSON")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      Map<String, Object> f = filter == null ? null : new LinkedHashMap<>(filter);
      JsonNode reply;
      try (Kernel kernel = cli.startKernel(Set.of("intelligence"))) {
        reply = request(kernel, SearchMessages.SEARCH,
            new SearchMessages.SearchRequest(collection, query, null, k, f, mode, null, null, null));
      }
      if (json) {
        cli.printJson(reply);
        return CliSupport.EXIT_OK;
      }
      cli.out().printf(Locale.ROOT, "%s search of '%s' (%s, %s embeddings):%n", reply.path("mode").asText(), collection,
          reply.path("plan").asText(), reply.path("embeddingModel").asText());
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("#", "SCORE", "ID", "SNIPPET"));
      int i = 1;
      for (JsonNode h : reply.path("hits")) {
        String snippet = h.path("snippet").asText().replaceAll("\\s+", " ");
        rows.add(List.of(Integer.toString(i++), String.format(Locale.ROOT, "%.4f", h.path("score").asDouble()),
            h.path("id").asText(), snippet.length() > 60 ? snippet.substring(0, 60) + "..." : snippet));
      }
      if (rows.size() == 1) {
        cli.out().println("no hits");
        cli.out().flush();
      } else {
        cli.printTable(rows);
      }
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw intel collections}. */
  @Command(name = "collections", mixinStandardHelpOptions = true, description = "List the collections.")
  public static final class Collections implements Callable<Integer> {
    @Option(names = "--clusters", description = "also show each collection's topic clusters")
    boolean clusters;

    @Option(names = "--json", description = "print the reply as JSON")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      JsonNode reply;
      try (Kernel k = cli.startKernel(Set.of("intelligence"))) {
        reply = request(k, SearchMessages.COLLECTIONS, new SearchMessages.CollectionsRequest(clusters));
      }
      if (json) {
        cli.printJson(reply);
        return CliSupport.EXIT_OK;
      }
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("COLLECTION", "DOCUMENTS", "EMBEDDINGS", "DIM", "VOCABULARY", "CLUSTERS"));
      for (JsonNode c : reply.path("collections")) {
        JsonNode s = c.path("stats");
        rows.add(List.of(s.path("name").asText(), s.path("documents").asText(), s.path("embeddingModel").asText(),
            s.path("dimension").asText(), s.path("vocabulary").asText(), s.path("clusters").asText()));
      }
      if (rows.size() == 1) {
        cli.out().println("no collections");
        cli.out().flush();
        return CliSupport.EXIT_OK;
      }
      cli.printTable(rows);
      if (clusters) {
        for (JsonNode c : reply.path("collections")) {
          cli.out().println();
          cli.out().println(c.path("stats").path("name").asText() + " topics:");
          for (JsonNode t : c.path("clusters")) {
            List<String> terms = new ArrayList<>();
            t.path("terms").forEach(x -> terms.add(x.asText()));
            cli.out().printf(Locale.ROOT, "  %2d  %5d docs  %s%n", t.path("id").asInt(), t.path("size").asInt(),
                String.join(", ", terms));
          }
        }
        cli.out().flush();
      }
      return CliSupport.EXIT_OK;
    }
  }
}
