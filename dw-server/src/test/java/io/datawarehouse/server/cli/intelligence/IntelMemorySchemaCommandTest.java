package io.datawarehouse.server.cli.intelligence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.server.cli.CliRun;
import io.datawarehouse.testkit.RequiresServices;
import io.datawarehouse.testkit.ServicesExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code dw intel memory put|get|query|stats} and {@code dw intel schema} against an embedded kernel. */
@ExtendWith(ServicesExtension.class)
class IntelMemorySchemaCommandTest {
  @TempDir Path tmp;

  private CliRun dw(String... args) throws IOException {
    Path cfg = tmp.resolve("dw.yaml");
    if (!Files.exists(cfg)) {
      // the hash embedder: these commands need no model, and loading one per command is slow
      Files.writeString(cfg, "intelligence:\n  embedding:\n    provider: hash\n");
    }
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data-dir", tmp.resolve("data").toString(), "--config", cfg.toString()));
    return CliRun.dw(all.toArray(String[]::new));
  }

  @Test
  void memory_putGetQueryStats_persistAcrossCommands() throws IOException {
    CliRun put = dw("intel", "memory", "put", "note-1", "--content", "rebuild the array tonight", "--tier", "long-term",
        "--scope", "ops", "--tag", "raid", "--tag", "todo", "--importance", "0.9", "--meta", "ticket=42", "--json");
    assertThat(put.exit()).as(put.err()).isZero();
    assertThat(put.json().at("/records/0/version").asLong()).isEqualTo(1);
    CliRun put2 = dw("intel", "memory", "put", "note-2", "--content", "buy flour", "--scope", "home", "--tag", "todo");
    assertThat(put2.exit()).as(put2.err()).isZero();
    assertThat(put2.out()).startsWith("stored note-2 version 1 sha256 ");

    // a separate command (new kernel, same data directory) reads what the first one stored
    CliRun get = dw("intel", "memory", "get", "note-1", "--json");
    assertThat(get.exit()).as(get.err()).isZero();
    JsonNode rec = get.json().at("/records/0");
    assertThat(rec.get("content").asText()).isEqualTo("rebuild the array tonight");
    assertThat(rec.get("tier").asText()).isEqualTo("long-term");
    assertThat(rec.at("/metadata/ticket").asInt()).isEqualTo(42);

    CliRun query = dw("intel", "memory", "query", "--tag", "todo", "--sort", "importance", "--desc", "--json");
    assertThat(query.exit()).as(query.err()).isZero();
    assertThat(query.json().get("records")).extracting(r -> r.get("id").asText()).containsExactly("note-1", "note-2");
    CliRun scoped = dw("intel", "memory", "query", "--scope", "home");
    assertThat(scoped.out()).contains("note-2").doesNotContain("note-1").contains("1 of 1 matching records");

    CliRun stats = dw("intel", "memory", "stats", "--json");
    assertThat(stats.exit()).as(stats.err()).isZero();
    assertThat(stats.json().at("/statistics/records").asLong()).isEqualTo(2);
  }

  @Test
  void memory_staleVersion_conflictAndUnchanged() throws IOException {
    assertThat(dw("intel", "memory", "put", "n", "--content", "v1").exit()).isZero();
    assertThat(dw("intel", "memory", "put", "n", "--content", "v2", "--if-version", "1").exit()).isZero();
    CliRun stale = dw("intel", "memory", "put", "n", "--content", "v3", "--if-version", "1");
    assertThat(stale.exit()).isEqualTo(1);
    assertThat(stale.err()).contains("CONFLICT");
    assertThat(dw("intel", "memory", "get", "n", "--json").json().at("/records/0/content").asText()).isEqualTo("v2");
  }

  @Test
  void memory_missingId_exit1AndNamed() throws IOException {
    CliRun r = dw("intel", "memory", "get", "nope");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no memory record 'nope'");
  }

  @Test
  void schema_parquetWrittenByDuckDb_columnsAndFeatures() throws Exception {
    Path file = tmp.resolve("t.parquet");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      s.execute("COPY (SELECT i AS id, (i % 3 = 0) AS flag, 'c' || (i % 4) AS colour, i * 1.5 AS amount"
          + " FROM range(1000) t(i)) TO '" + file + "' (FORMAT parquet)");
    }
    CliRun r = dw("intel", "schema", file.toString(), "--json");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode s = r.json();
    assertThat(s.get("rowCount").asLong()).isEqualTo(1000);
    assertThat(s.get("columns")).extracting(c -> c.get("name").asText()).containsExactly("id", "flag", "colour", "amount");
    assertThat(s.get("features")).extracting(f -> f.get("type").asText()).contains("boolean", "categorical");

    CliRun table = dw("intel", "schema", file.toString());
    assertThat(table.exit()).as(table.err()).isZero();
    assertThat(table.out()).contains("1000 rows").contains("colour");
  }

  @Test
  void schema_missingFile_oneLineError() throws IOException {
    CliRun r = dw("intel", "schema", tmp.resolve("absent.parquet").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
  }

  @Test
  @RequiresServices("postgres")
  void schema_postgresTable_columnsAndPrimaryKey() throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS dw_cli_schema");
      s.execute("CREATE TABLE dw_cli_schema (id bigint PRIMARY KEY, name text NOT NULL, score double precision)");
      s.execute("INSERT INTO dw_cli_schema SELECT g, 'n' || g, g * 0.5 FROM generate_series(1, 200) g");
    }
    try {
      CliRun r = dw("intel", "schema", "--jdbc", url, "--table", "dw_cli_schema", "--json");
      assertThat(r.exit()).as(r.err()).isZero();
      JsonNode s = r.json();
      assertThat(s.get("columns")).extracting(c -> c.get("name").asText()).containsExactly("id", "name", "score");
      assertThat(s.get("primaryKey")).extracting(JsonNode::asText).containsExactly("id");
      assertThat(s.at("/columns/1/nullable").asBoolean()).isFalse();
    } finally {
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS dw_cli_schema");
      }
    }
  }
}
