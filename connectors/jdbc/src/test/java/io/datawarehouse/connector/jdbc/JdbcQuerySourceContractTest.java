package io.datawarehouse.connector.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.storage.query.QueryResult;
import io.datawarehouse.storage.query.QuerySource;
import io.datawarehouse.storage.query.QuerySourceProvider;
import io.datawarehouse.storage.query.SourceConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every JDBC source must do, run against each database on this machine by a subclass: typed
 * rows, bound parameters, the row cap, the timeout, read-only enforcement, and SQL injection
 * attempts through params that do nothing.
 */
abstract class JdbcQuerySourceContractTest {
  protected QuerySource source;
  protected String table;

  protected abstract String url();

  protected abstract String user();

  /** SQL that takes about {@code seconds} seconds. */
  protected abstract String sleepSql(int seconds);

  /** DDL of the test table, {@code %s} for its name. */
  protected abstract String createTable();

  protected static Config config(String url, String user, Map<String, Object> extra) {
    Map<String, Object> m = new HashMap<>(Map.of("url", url, "user", user));
    m.putAll(extra);
    return SourceConfig.DEF.parse("storage.sources.test", Json.mapper().valueToTree(m));
  }

  @BeforeEach
  void setUp() throws Exception {
    table = "dw_q_" + Long.toHexString(System.nanoTime());
    try (Connection c = DriverManager.getConnection(url(), user(), ""); Statement s = c.createStatement()) {
      s.execute(String.format(createTable(), table));
      s.execute("INSERT INTO " + table + " (id, name, price, active, born, blob_col) VALUES "
          + "(1, 'alice', 12.50, true, DATE '1990-01-02', NULL), (2, 'bob', 3.25, false, DATE '1985-06-30', NULL), "
          + "(3, 'carol', NULL, true, NULL, NULL)");
      for (int i = 4; i <= 50; i++) {
        s.execute("INSERT INTO " + table + " (id, name, price, active) VALUES (" + i + ", 'user" + i + "', " + i + ", false)");
      }
    }
    source = QuerySourceProvider.forUrl(url(), getClass().getClassLoader()).open("test", config(url(), user(), Map.of()));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (source != null) {
      source.close();
    }
    try (Connection c = DriverManager.getConnection(url(), user(), ""); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + table);
    }
  }

  private QueryResult q(String sql, Object... params) {
    return source.query(sql, new ArrayList<>(Arrays.asList(params)), 100, Duration.ofSeconds(5));
  }

  private static void assertCode(Runnable r, ErrorCode code) {
    assertThatThrownBy(r::run).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).as(e.getMessage()).isEqualTo(code));
  }

  @Test
  void query_params_typedRows() {
    QueryResult r = q("SELECT id, name, price, active, born FROM " + table + " WHERE id <= ? AND name <> ? ORDER BY id", 3, "bob");
    assertThat(r.columns()).extracting(QueryResult.Column::jsonType).containsExactly("integer", "string", "decimal", "boolean", "date");
    assertThat(r.rows()).hasSize(2);
    Map<String, Object> alice = r.rows().get(0);
    assertThat(alice.get("id")).isEqualTo(1L);
    assertThat(alice.get("name")).isEqualTo("alice");
    assertThat(((java.math.BigDecimal) alice.get("price"))).isEqualByComparingTo("12.50");
    assertThat(alice.get("active")).isEqualTo(true);
    assertThat(alice.get("born")).isEqualTo("1990-01-02");
    Map<String, Object> carol = r.rows().get(1);
    assertThat(carol.get("price")).isNull();
    assertThat(carol.get("born")).isNull();
    assertThat(r.truncated()).isFalse();
    assertThat(Json.toString(r)).contains("\"price\":12.50");
  }

  @Test
  void query_rowCap_truncatesAndSaysSo() {
    QueryResult r = source.query("SELECT id FROM " + table + " ORDER BY id", List.of(), 10, Duration.ofSeconds(5));
    assertThat(r.rows()).hasSize(10);
    assertThat(r.truncated()).isTrue();
    QueryResult all = source.query("SELECT id FROM " + table, List.of(), 50, Duration.ofSeconds(5));
    assertThat(all.rows()).hasSize(50);
    assertThat(all.truncated()).isFalse();
  }

  @Test
  void query_slowStatement_timeoutAndConnectionReusable() {
    long t0 = System.nanoTime();
    assertCode(() -> source.query(sleepSql(5), List.of(), 10, Duration.ofMillis(1000)), ErrorCode.TIMEOUT);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
    assertThat(q("SELECT count(*) AS n FROM " + table).rows().get(0).get("n")).isEqualTo(50L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"x' OR '1'='1", "'; DROP TABLE %s; --", "1; DELETE FROM %s", "\\'; DROP TABLE %s; #",
      "alice' --", "alice\u0000"})
  void query_injectionThroughParams_matchesNothingAndChangesNothing(String attempt) {
    String value = attempt.replace("%s", table);
    QueryResult r;
    try {
      r = q("SELECT id FROM " + table + " WHERE name = ?", value);
      assertThat(r.rows()).isEmpty();
    } catch (DwException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT); // e.g. PostgreSQL refuses NUL in text
    }
    assertThat(q("SELECT count(*) AS n FROM " + table).rows().get(0).get("n")).isEqualTo(50L);
  }

  @Test
  void query_write_refusedByReadOnlyTransaction() {
    assertCode(() -> q("DELETE FROM " + table + " WHERE id = ?", 1), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> q("UPDATE " + table + " SET name = 'x' WHERE id = 1"), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> q("DROP TABLE " + table), ErrorCode.INVALID_ARGUMENT);
    assertThat(q("SELECT count(*) AS n FROM " + table).rows().get(0).get("n")).isEqualTo(50L);
  }

  @Test
  void query_badInput_invalidArgument() {
    assertCode(() -> q("SELECT nope FROM " + table), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> q("SELECT id FROM " + table + " WHERE id = ?"), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> q("SELECT id FROM " + table + " WHERE id = ?", Map.of("a", 1)), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> q("SELECT id, name AS id FROM " + table), ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void probe_up_andUnreachableDatabase_unavailable() {
    assertThat(source.probe().status()).isEqualTo(Health.Status.UP);
    String dead = url().replaceFirst(":\\d+/", ":1/");
    try (QuerySource gone = QuerySourceProvider.forUrl(dead, getClass().getClassLoader())
        .open("gone", config(dead, user(), Map.of("connectTimeout", "1s")))) {
      assertThat(gone.probe().status()).isEqualTo(Health.Status.DOWN);
      assertCode(() -> gone.query("SELECT 1", List.of(), 1, Duration.ofSeconds(1)), ErrorCode.UNAVAILABLE);
    }
  }
}
