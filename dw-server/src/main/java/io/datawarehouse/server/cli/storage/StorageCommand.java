package io.datawarehouse.server.cli.storage;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.server.cli.CliSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dw storage}: objects in the configured stores, WORM writes, database lookups. */
@Command(name = "storage", mixinStandardHelpOptions = true,
    description = {"Objects in the configured stores (local, s3, azure-blob), WORM writes, lookups.",
        "Runs the storage plugin here, on the configured data directory (a running dw serve on the",
        "same directory holds its local store: stop it, or point --data-dir elsewhere)."},
    subcommands = {StorageCommand.Put.class, StorageCommand.Get.class, StorageCommand.Ls.class, StorageCommand.Rm.class,
        StorageCommand.Stat.class, StorageCommand.PutWorm.class, StorageCommand.Query.class})
public final class StorageCommand implements Runnable {
  static final Duration TIMEOUT = Duration.ofMinutes(30);

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs {@code body} against a storage plugin started here. */
  static <T> T withStorage(CommandSpec spec, java.util.function.Function<Kernel, T> body) {
    CliSupport cli = CliSupport.of(spec);
    cli.logLevel(ch.qos.logback.classic.Level.WARN);
    try (Kernel k = cli.startKernel(Set.of("storage"))) {
      return body.apply(k);
    }
  }

  static JsonNode request(Kernel k, String topic, Map<String, Object> body) {
    return k.bus().requestSync(Message.json(topic, body), TIMEOUT).jsonTree();
  }

  static Map<String, Object> body(String store, Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (store != null) {
      m.put("store", store);
    }
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] != null) {
        m.put((String) kv[i], kv[i + 1]);
      }
    }
    return m;
  }

  static String absolute(Path p) {
    Path a = p.toAbsolutePath().normalize();
    if (!Files.isRegularFile(a)) {
      throw new CliSupport.CommandFailure("no such file: " + a);
    }
    return a.toString();
  }

  abstract static class StoreOption {
    @Option(names = {"-s", "--store"}, paramLabel = "STORE", description = "store name (default: storage.defaultStore)")
    String store;

    @Spec CommandSpec spec;
  }

  @Command(name = "put", mixinStandardHelpOptions = true, description = "Store FILE under KEY.")
  static final class Put extends StoreOption implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY") String key;
    @Parameters(index = "1", paramLabel = "FILE") Path file;
    @Option(names = "--content-type", paramLabel = "TYPE") String contentType;

    @Override
    public Integer call() {
      String path = absolute(file);
      JsonNode info = withStorage(spec, k -> request(k, "storage.write", body(store, "key", key, "path", path,
          "contentType", contentType)));
      CliSupport.of(spec).printJson(info);
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "put-worm", mixinStandardHelpOptions = true,
      description = "Store FILE under KEY write-once: no overwrite or delete until the retention ends (and while held).")
  static final class PutWorm extends StoreOption implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY") String key;
    @Parameters(index = "1", paramLabel = "FILE") Path file;
    @Option(names = "--retain-days", paramLabel = "N", required = true, description = "retention in days from now") int days;
    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "compliance", description = "compliance (default) or governance")
    String mode;
    @Option(names = "--legal-hold", description = "also place a legal hold") boolean hold;

    @Override
    public Integer call() {
      String path = absolute(file);
      JsonNode info = withStorage(spec, k -> request(k, "storage.write.worm", body(store, "key", key, "path", path,
          "retention", Map.of("mode", mode, "retainDays", days), "legalHold", hold)));
      CliSupport.of(spec).printJson(info);
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Write the object KEY to FILE (verified, atomic).")
  static final class Get extends StoreOption implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY") String key;
    @Option(names = {"-o", "--out"}, paramLabel = "FILE", required = true) Path out;

    @Override
    public Integer call() {
      String path = out.toAbsolutePath().normalize().toString();
      JsonNode r = withStorage(spec, k -> request(k, "storage.read", body(store, "key", key, "path", path)));
      CliSupport cli = CliSupport.of(spec);
      cli.err().println("wrote " + r.path("length").asLong() + " bytes to " + path + " (sha256 " + r.path("info").path("sha256").asText() + ")");
      cli.err().flush();
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List objects under PREFIX ('/'-delimited unless --recursive).")
  static final class Ls extends StoreOption implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PREFIX", arity = "0..1", defaultValue = "") String prefix;
    @Option(names = {"-r", "--recursive"}, description = "every key under PREFIX, not rolled up at '/'") boolean recursive;
    @Option(names = "--json", description = "print JSON") boolean json;

    @Override
    public Integer call() {
      List<JsonNode> pages = withStorage(spec, k -> {
        List<JsonNode> out = new ArrayList<>();
        String token = null;
        do {
          JsonNode page = request(k, "storage.list", body(store, "prefix", prefix, "delimiter", recursive ? null : "/",
              "pageToken", token));
          out.add(page);
          token = page.hasNonNull("nextPageToken") ? page.get("nextPageToken").asText() : null;
        } while (token != null);
        return out;
      });
      CliSupport cli = CliSupport.of(spec);
      if (json) {
        cli.printJson(pages);
        return CliSupport.EXIT_OK;
      }
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("SIZE", "MODIFIED", "KEY"));
      for (JsonNode page : pages) {
        page.path("commonPrefixes").forEach(p -> rows.add(List.of("-", "-", p.asText())));
        page.path("objects").forEach(o -> rows.add(List.of(o.path("size").asText(), o.path("lastModified").asText("-"),
            o.path("key").asText())));
      }
      cli.printTable(rows);
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete the object KEY.")
  static final class Rm extends StoreOption implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY") String key;

    @Override
    public Integer call() {
      JsonNode r = withStorage(spec, k -> request(k, "storage.delete", body(store, "key", key)));
      if (!r.path("deleted").asBoolean()) {
        throw new CliSupport.CommandFailure("no object '" + key + "'");
      }
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "stat", mixinStandardHelpOptions = true, description = "Show the object KEY: size, SHA-256, metadata, WORM state.")
  static final class Stat extends StoreOption implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY") String key;

    @Override
    public Integer call() {
      CliSupport.of(spec).printJson(withStorage(spec, k -> request(k, "storage.stat", body(store, "key", key))));
      return CliSupport.EXIT_OK;
    }
  }

  @Command(name = "query", mixinStandardHelpOptions = true,
      description = {"Run SQL against the data source SOURCE with PARAMs bound to its '?' placeholders.",
          "PARAMs that read as JSON numbers, true, false or null are bound as such; the rest as strings."})
  static final class Query implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SOURCE") String source;
    @Parameters(index = "1", paramLabel = "SQL") String sql;
    @Parameters(index = "2..*", paramLabel = "PARAM") List<String> params = new ArrayList<>();
    @Option(names = "--max-rows", paramLabel = "N") Integer maxRows;
    @Option(names = "--timeout-ms", paramLabel = "MS") Long timeoutMs;
    @Option(names = "--json", description = "print the result as JSON") boolean json;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      List<Object> bound = new ArrayList<>();
      for (String p : params) {
        bound.add(literal(p));
      }
      Map<String, Object> req = body(null, "source", source, "sql", sql, "params", bound, "maxRows", maxRows, "timeoutMs", timeoutMs);
      JsonNode r = withStorage(spec, k -> request(k, "storage.query", req));
      CliSupport cli = CliSupport.of(spec);
      if (json) {
        cli.printJson(r);
        return CliSupport.EXIT_OK;
      }
      List<List<String>> rows = new ArrayList<>();
      List<String> head = new ArrayList<>();
      r.path("columns").forEach(c -> head.add(c.path("name").asText()));
      rows.add(head);
      r.path("rows").forEach(row -> {
        List<String> cells = new ArrayList<>();
        head.forEach(h -> cells.add(row.path(h).isNull() ? "NULL" : row.path(h).asText()));
        rows.add(cells);
      });
      cli.printTable(rows);
      if (r.path("truncated").asBoolean()) {
        cli.err().println("(more rows matched than the row cap; raise --max-rows)");
        cli.err().flush();
      }
      return CliSupport.EXIT_OK;
    }

    static Object literal(String p) {
      if (p.equals("null")) {
        return null;
      }
      if (p.equals("true") || p.equals("false")) {
        return Boolean.parseBoolean(p);
      }
      if (p.matches("-?(0|[1-9][0-9]{0,17})")) {
        return Long.parseLong(p);
      }
      if (p.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
        return new java.math.BigDecimal(p);
      }
      return p;
    }
  }
}
