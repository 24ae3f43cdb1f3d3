package io.datawarehouse.server.cli.intelligence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntelCommandTest {
  @TempDir Path tmp;

  static CliRun dw(String... args) {
    return CliRun.dw(args);
  }

  @Test
  void indexSearchCollections_textFiles_foundAndListed() throws Exception {
    Path cfg = tmp.resolve("dw.yaml");
    Files.writeString(cfg, "intelligence:\n  embedding:\n    provider: hash\n");
    Path docs = tmp.resolve("docs");
    Files.createDirectories(docs.resolve("sub"));
    Files.writeString(docs.resolve("raid.txt"), "Rebuild a degraded RAID 6 array after a disk failure.");
    Files.writeString(docs.resolve("sub/bread.md"), "Sourdough bread needs a starter, flour, water and salt.");
    Files.writeString(docs.resolve("net.txt"), "TCP retransmits packets lost on a congested link.");
    Files.write(docs.resolve("blob.bin"), new byte[] {1, 0, 2, 3});
    String[] common = {"--config", cfg.toString(), "--data-dir", tmp.resolve("data").toString()};

    CliRun idx = dw(concat(new String[] {"intel", "index", "--collection", "notes", docs.toString()}, common));
    assertThat(idx.exit()).as(idx.err()).isZero();
    assertThat(idx.out()).contains("indexed 3 files into 'notes' (1 skipped as binary)").contains("hash-v1-d384");

    CliRun search = dw(concat(new String[] {"intel", "search", "--collection", "notes", "sourdough starter", "-k", "2",
        "--json"}, common));
    assertThat(search.exit()).as(search.err()).isZero();
    JsonNode reply = Json.tree(search.out().getBytes(StandardCharsets.UTF_8), "output");
    assertThat(reply.at("/hits/0/id").asText()).endsWith("bread.md");
    assertThat(reply.at("/hits")).hasSize(2);

    CliRun table = dw(concat(new String[] {"intel", "search", "-c", "notes", "disk failure", "--mode", "hybrid"}, common));
    assertThat(table.exit()).as(table.err()).isZero();
    assertThat(table.out()).contains("hybrid search of 'notes'").contains("raid.txt");

    CliRun cols = dw(concat(new String[] {"intel", "collections", "--clusters"}, common));
    assertThat(cols.exit()).as(cols.err()).isZero();
    assertThat(cols.out()).contains("notes").contains("hash-v1-d384").contains("notes topics:");
  }

  @Test
  void search_unknownCollection_oneLineErrorExit1() throws Exception {
    Path cfg = tmp.resolve("dw.yaml");
    Files.writeString(cfg, "intelligence:\n  embedding:\n    provider: hash\n");
    CliRun r = dw("intel", "search", "-c", "nope", "x", "--config", cfg.toString(), "--data-dir", tmp.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no collection 'nope'").contains("NOT_FOUND");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
