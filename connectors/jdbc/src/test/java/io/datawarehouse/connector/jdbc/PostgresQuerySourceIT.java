package io.datawarehouse.connector.jdbc;

import io.datawarehouse.testkit.RequiresServices;

/** Against the PostgreSQL on 127.0.0.1:5432 (trust auth, database test). */
@RequiresServices("postgres")
class PostgresQuerySourceIT extends JdbcQuerySourceContractTest {
  @Override
  protected String url() {
    return System.getProperty("dw.test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test");
  }

  @Override
  protected String user() {
    return System.getProperty("dw.test.postgres.user", "postgres");
  }

  @Override
  protected String sleepSql(int seconds) {
    return "SELECT pg_sleep(" + seconds + ") AS slept";
  }

  @Override
  protected String createTable() {
    return "CREATE TABLE %s (id BIGINT PRIMARY KEY, name TEXT, price NUMERIC(10,2), active BOOLEAN, born DATE, blob_col BYTEA)";
  }

  @org.junit.jupiter.api.Test
  void query_writingCte_refusedByTheReadOnlyTransaction() {
    // passes the statement check (it starts with WITH): the read-only transaction must stop it
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> source.query("WITH d AS (DELETE FROM " + table
        + " RETURNING id) SELECT count(*) AS n FROM d", java.util.List.of(), 10, java.time.Duration.ofSeconds(5)))
        .isInstanceOf(io.datawarehouse.sdk.DwException.class).hasMessageContaining("read-only");
    org.assertj.core.api.Assertions.assertThat(source.query("SELECT count(*) AS n FROM " + table, java.util.List.of(), 10,
        java.time.Duration.ofSeconds(5)).rows().get(0).get("n")).isEqualTo(50L);
  }
}
