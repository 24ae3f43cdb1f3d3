package io.datawarehouse.server.cli.intelligence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datawarehouse.intelligence.memory.MemoryMessages;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dw intel memory put|get|query|stats}: the memory store of the local data directory. Each
 * command starts the intelligence plugin in this process and uses the {@code intelligence.memory.*}
 * bus topics, exactly as a remote caller would.
 */
@Command(name = "memory", mixinStandardHelpOptions = true, description = "The AI memory store: put, get, query, stats.",
    subcommands = {IntelMemoryCommand.Put.class, IntelMemoryCommand.Get.class, IntelMemoryCommand.Query.class,
        IntelMemoryCommand.Stats.class})
public final class IntelMemoryCommand implements Runnable {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static JsonNode request(CliSupport cli, String topic, Object body) {
    try (Kernel k = cli.startKernel(Set.of("intelligence"))) {
      return k.bus().requestSync(Message.json(topic, body), TIMEOUT).jsonTree();
    }
  }

  /** {@code dw intel memory put ID (--content TEXT | --file F) [--if-version N] [options]}. */
  @Command(name = "put", mixinStandardHelpOptions = true, description = "Store one memory record (replacing one with the same id).")
  public static final class Put implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Option(names = "--content", paramLabel = "TEXT", description = "the content as text") String content;
    @Option(names = "--file", paramLabel = "FILE", description = "read the content from a file") Path file;
    @Option(names = "--tier", description = "working, short-term, long-term or archive (default working)") String tier;
    @Option(names = "--scope", description = "the scope (default 'default')") String scope;
    @Option(names = "--tag", paramLabel = "TAG", description = "a tag (repeatable)") List<String> tags = new ArrayList<>();
    @Option(names = "--meta", paramLabel = "KEY=JSON", description = "metadata; the value is JSON, or else a string (repeatable)")
    Map<String, String> meta;
    @Option(names = "--importance", description = "0..1 (default 0.5)") Double importance;
    @Option(names = "--ttl", description = "expire after this long (30m, 7d)") String ttl;
    @Option(names = "--content-type", description = "default text/plain") String contentType;
    @Option(names = "--if-version", paramLabel = "N",
        description = "update only if the stored version is N (else CONFLICT); -V/--version prints dw's version")
    Long version;
    @Option(names = "--json", description = "print the reply as JSON") boolean json;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      CliSupport cli = CliSupport.of(spec);
      if ((content == null) == (file == null)) {
        throw new CliSupport.CommandFailure("give exactly one of --content and --file");
      }
      ObjectNode r = Json.object().put("id", id);
      if (content != null) {
        r.put("content", content);
      } else {
        r.put("contentBase64", java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
      }
      if (tier != null) {
        r.put("tier", tier);
      }
      if (scope != null) {
        r.put("scope", scope);
      }
      if (!tags.isEmpty()) {
        tags.forEach(r.putArray("tags")::add);
      }
      if (meta != null) {
        ObjectNode m = r.putObject("metadata");
        meta.forEach((k, v) -> {
          try {
            m.set(k, Json.mapper().readTree(v));
          } catch (IOException e) {
            m.put(k, v);
          }
        });
      }
      if (importance != null) {
        r.put("importance", importance);
      }
      if (ttl != null) {
        r.put("ttl", ttl);
      }
      if (contentType != null) {
        r.put("contentType", contentType);
      }
      if (version != null) {
        r.put("version", version);
      }
      ObjectNode body = Json.object();
      body.putArray("records").add(r);
      JsonNode reply = request(cli, MemoryMessages.PUT, body);
      if (json) {
        cli.printJson(reply);
      } else {
        JsonNode s = reply.get("records").get(0);
        cli.out().println("stored " + s.get("id").asText() + " version " + s.get("version").asLong() + " sha256 " + s.get("contentHash").asText());
        cli.out().flush();
      }
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw intel memory get ID...}. */
  @Command(name = "get", mixinStandardHelpOptions = true, description = "Print memory records by id (exit 1 when one is missing).")
  public static final class Get implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID") List<String> ids;
    @Option(names = "--touch", description = "record the access (access count, last accessed)") boolean touch;
    @Option(names = "--json", description = "print the reply as JSON") boolean json;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      JsonNode reply = request(cli, MemoryMessages.GET, new MemoryMessages.GetRequest(ids, touch));
      if (json) {
        cli.printJson(reply);
      } else {
        for (JsonNode r : reply.get("records")) {
          cli.out().println(summary(r));
          cli.out().println(r.has("content") ? r.get("content").asText() : "(binary, " + r.get("contentBase64").asText().length() * 3 / 4 + " bytes)");
          cli.out().println();
        }
        for (JsonNode m : reply.get("missing")) {
          cli.err().println("dw: no memory record '" + m.asText() + "'");
        }
        cli.out().flush();
        cli.err().flush();
      }
      return reply.get("missing").isEmpty() ? CliSupport.EXIT_OK : CliSupport.EXIT_FAILURE;
    }
  }

  static String summary(JsonNode r) {
    return r.get("id").asText() + "  [" + r.get("tier").asText() + ", scope " + r.get("scope").asText() + ", importance "
        + r.get("importance").asDouble() + ", v" + r.get("version").asLong() + ", accessed " + r.get("accessCount").asLong() + "x"
        + (r.has("tags") && !r.get("tags").isEmpty() ? ", tags " + r.get("tags") : "")
        + (r.has("expiresAt") ? ", expires " + r.get("expiresAt").asText() : "") + "]";
  }

  /** {@code dw intel memory query [filters]}. */
  @Command(name = "query", mixinStandardHelpOptions = true, description = "List memory records matching filters.")
  public static final class Query implements Callable<Integer> {
    @Option(names = "--tier", description = "a tier (repeatable)") List<String> tiers;
    @Option(names = "--scope", description = "a scope (repeatable)") List<String> scopes;
    @Option(names = "--tag", description = "records with this tag (repeatable: all of them)") List<String> tagsAll;
    @Option(names = "--any-tag", description = "records with any of these tags (repeatable)") List<String> tagsAny;
    @Option(names = "--min-importance") Double minImportance;
    @Option(names = "--max-importance") Double maxImportance;
    @Option(names = "--content-type") String contentType;
    @Option(names = "--sort", description = "id, createdAt, lastAccessedAt, importance, accessCount, expiresAt") String sort;
    @Option(names = "--desc", description = "descending order") boolean desc;
    @Option(names = "--skip") Long skip;
    @Option(names = {"-n", "--limit"}, description = "default 20") Long limit = 20L;
    @Option(names = "--include-expired") boolean includeExpired;
    @Option(names = "--json", description = "print the reply as JSON") boolean json;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      MemoryMessages.QueryRequest q = new MemoryMessages.QueryRequest(tiers, scopes, tagsAny, tagsAll, minImportance, maxImportance,
          null, null, null, null, contentType, null, sort, desc ? "desc" : null, skip, limit, includeExpired, !json ? false : null);
      JsonNode reply = request(cli, MemoryMessages.QUERY, q);
      if (json) {
        cli.printJson(reply);
        return CliSupport.EXIT_OK;
      }
      for (JsonNode r : reply.get("records")) {
        cli.out().println(summary(r));
      }
      cli.out().println(reply.get("records").size() + " of " + reply.get("total").asLong() + " matching records");
      cli.out().flush();
      return CliSupport.EXIT_OK;
    }
  }

  /** {@code dw intel memory stats}. */
  @Command(name = "stats", mixinStandardHelpOptions = true, description = "The memory store's backend, counts and latencies.")
  public static final class Stats implements Callable<Integer> {
    @Option(names = "--json", description = "print the reply as JSON") boolean json;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CliSupport cli = CliSupport.of(spec);
      JsonNode r = request(cli, MemoryMessages.STATS, Json.object());
      if (json) {
        cli.printJson(r);
        return CliSupport.EXIT_OK;
      }
      JsonNode s = r.get("statistics");
      cli.out().println("backend  " + r.get("backend").asText() + " (" + r.get("status").asText() + ") " + r.get("message").asText());
      cli.out().println("records  " + s.get("records").asLong() + ", " + s.get("bytes").asLong() + " bytes"
          + (s.get("diskBytes").asLong() >= 0 ? ", " + s.get("diskBytes").asLong() + " bytes on disk" : ""));
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("tier", "records", "bytes"));
      s.get("tiers").properties().forEach(e -> rows.add(List.of(e.getKey(), e.getValue().get("records").asText(), e.getValue().get("bytes").asText())));
      cli.printTable(rows);
      cli.out().println("capabilities " + r.get("capabilities"));
      cli.out().flush();
      return CliSupport.EXIT_OK;
    }
  }
}
