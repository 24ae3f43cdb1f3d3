package io.datawarehouse.intelligence.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.testkit.RequiresServices;
import io.datawarehouse.testkit.Services;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Schema extraction against the PostgreSQL and MariaDB that run on this machine. */
class JdbcSchemasTest {
  private static final String TABLE = "dw_schema_test_" + ProcessHandle.current().pid();

  private static String pgUrl() {
    Services.Endpoint e = Services.endpoint("postgres");
    return "jdbc:postgresql://" + e + "/test?user=postgres";
  }

  private static String mariaUrl() {
    Services.Endpoint e = Services.endpoint("mariadb");
    return "jdbc:mariadb://" + e + "/test?user=root";
  }

  private static Map<String, FeatureType> features(DatasetSchema s) {
    return s.features().stream().collect(Collectors.toMap(DatasetSchema.Feature::column, DatasetSchema.Feature::type));
  }

  private static Map<String, ColumnSchema> byName(DatasetSchema s) {
    return s.columns().stream().collect(Collectors.toMap(ColumnSchema::name, Function.identity()));
  }

  @Test
  @RequiresServices("postgres")
  void postgres_table() throws Exception {
    try (Connection c = DriverManager.getConnection(pgUrl()); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + TABLE);
      s.execute("CREATE TABLE " + TABLE + " (id bigserial PRIMARY KEY, email varchar(200) NOT NULL, age int, country char(2), "
          + "active boolean, signup timestamptz, bio text, score numeric(6,2))");
      s.execute("INSERT INTO " + TABLE + " (email, age, country, active, signup, bio, score) "
          + "SELECT 'user' || g || '@example.org', 18 + g % 60, (ARRAY['DE','FR','US','JP'])[1 + g % 4], g % 3 = 0, "
          + "now() - g * interval '1 hour', repeat('a long biography sentence ', 4) || g, (g % 1000) / 10.0 "
          + "FROM generate_series(1, 3000) g");
      s.execute("ANALYZE " + TABLE);
      try {
        DatasetSchema d = JdbcSchemas.table(pgUrl(), new Properties(), TABLE, 2000);
        assertThat(d.format()).isEqualTo("jdbc");
        assertThat(d.primaryKey()).containsExactly("id");
        assertThat(d.rowCount()).isBetween(2500L, 3500L);
        assertThat(d.createdBy()).contains("PostgreSQL");
        Map<String, ColumnSchema> cols = byName(d);
        assertThat(cols.get("email").nullable()).isFalse();
        assertThat(cols.get("email").precision()).isEqualTo(200);
        assertThat(cols.get("age").nullable()).isTrue();
        assertThat(cols.get("score").logicalType()).isEqualTo("numeric");
        assertThat(cols.get("score").scale()).isEqualTo(2);
        assertThat(cols.get("country").statistics().distinctCount()).isEqualTo(4);
        assertThat(cols.get("id").statistics().sampledRows()).isEqualTo(2000);
        assertThat(features(d)).containsEntry("id", FeatureType.ID_LIKE)
            .containsEntry("email", FeatureType.ID_LIKE)
            .containsEntry("age", FeatureType.NUMERIC)
            .containsEntry("country", FeatureType.CATEGORICAL)
            .containsEntry("active", FeatureType.BOOLEAN)
            .containsEntry("signup", FeatureType.TIMESTAMP)
            .containsEntry("bio", FeatureType.TEXT)
            .containsEntry("score", FeatureType.NUMERIC);

        DatasetSchema q = JdbcSchemas.query(pgUrl(), new Properties(), "SELECT country, count(*) AS n FROM " + TABLE + " GROUP BY country", 100);
        assertThat(q.columns()).extracting(ColumnSchema::name).containsExactly("country", "n");
        assertThat(q.rowCount()).isEqualTo(-1);
      } finally {
        s.execute("DROP TABLE " + TABLE);
      }
    }
  }

  @Test
  @RequiresServices("mariadb")
  void mariadb_table() throws Exception {
    try (Connection c = DriverManager.getConnection(mariaUrl()); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + TABLE);
      s.execute("CREATE TABLE " + TABLE + " (id int AUTO_INCREMENT PRIMARY KEY, sku varchar(40) NOT NULL, qty smallint, "
          + "status enum('new','paid','shipped'), price decimal(8,2), created datetime, flag tinyint(1))");
      s.execute("INSERT INTO " + TABLE + " (sku, qty, status, price, created, flag) "
          + "SELECT CONCAT('SKU-', seq), seq % 7, ELT(1 + seq % 3, 'new', 'paid', 'shipped'), seq * 0.5, "
          + "TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq MINUTE, seq % 2 FROM seq_1_to_1500");
      s.execute("ANALYZE TABLE " + TABLE);
      try {
        DatasetSchema d = JdbcSchemas.table(mariaUrl(), new Properties(), TABLE, 5000);
        assertThat(d.primaryKey()).containsExactly("id");
        assertThat(d.rowCount()).isBetween(1000L, 2000L);
        assertThat(byName(d).get("sku").nullable()).isFalse();
        assertThat(byName(d).get("qty").statistics().distinctCount()).isEqualTo(7);
        assertThat(features(d)).containsEntry("id", FeatureType.ID_LIKE)
            .containsEntry("sku", FeatureType.ID_LIKE)
            .containsEntry("qty", FeatureType.CATEGORICAL)
            .containsEntry("status", FeatureType.CATEGORICAL)
            .containsEntry("price", FeatureType.NUMERIC)
            .containsEntry("created", FeatureType.TIMESTAMP)
            .containsEntry("flag", FeatureType.BOOLEAN);
      } finally {
        s.execute("DROP TABLE " + TABLE);
      }
    }
  }

  @Test
  @RequiresServices("postgres")
  void missingTable_isNotFound_andPasswordsNeverShow() {
    assertThatThrownBy(() -> JdbcSchemas.table(pgUrl() + "&password=hunter2", new Properties(), "no_such_table_here", 0))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
          assertThat(e.getMessage()).contains("no_such_table_here").doesNotContain("hunter2");
        });
    assertThatThrownBy(() -> JdbcSchemas.table("jdbc:nosuchdb://x", new Properties(), "t", 0))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThatThrownBy(() -> JdbcSchemas.table("postgresql://x", new Properties(), "t", 0))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }
}
