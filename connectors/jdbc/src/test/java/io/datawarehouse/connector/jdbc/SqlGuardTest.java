package io.datawarehouse.connector.jdbc;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlGuardTest {
  @ParameterizedTest
  @ValueSource(strings = {"SELECT 1", "  select * from t where a = ?;", "WITH x AS (SELECT 1) SELECT * FROM x",
      "(SELECT 1) UNION (SELECT 2)", "select ';drop table t' as s", "select 1 -- ; drop table t",
      "select $$;delete$$", "select \"a;b\" from t", "/* ; */ SELECT 1", "SHOW TABLES", "EXPLAIN SELECT 1",
      "select 'it''s; fine'", "select `we;ird` from t", "VALUES (1)"})
  void check_readingSingleStatement_accepted(String sql) {
    assertThatCode(() -> SqlGuard.check("s", sql)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"DROP TABLE t", "delete from t", "select 1; drop table t", "select 1;drop table t;",
      "/* x */ insert into t values (1)", "  update t set a = 1", "select 'a\\'; drop table t; -- '", "CREATE TABLE x (a int)",
      "select * from t into outfile '/tmp/x'", "TRUNCATE t", "call proc()", "SET @a = 1", "grant all on t to u", ""})
  void check_writingOrSeveralStatements_invalidArgument(String sql) {
    assertThatThrownBy(() -> SqlGuard.check("s", sql)).isInstanceOf(DwException.class);
  }
}
