package io.datawarehouse.intelligence.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.json.Json;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Footers of Parquet files written at test time by a third-party writer (DuckDB). */
class ParquetSchemasTest {
  @TempDir static Path tmp;
  static Path file;

  @BeforeAll
  static void writeWithDuckDb() throws Exception {
    file = tmp.resolve("people.parquet");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      s.execute("""
          COPY (SELECT i AS id,
                 CAST(i * 1.25 AS DECIMAL(10,2)) AS price,
                 TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) MINUTE AS ts,
                 CASE WHEN i % 7 = 0 THEN NULL ELSE ['red', 'green', 'blue'][1 + i % 3] END AS colour,
                 i % 2 = 0 AS flag,
                 {'city': 'city-' || (i % 5), 'zip': i % 100} AS address,
                 [i, i + 1] AS nums,
                 'free text about item ' || i || ' written by someone' AS note,
                 CAST(i % 4 AS INTEGER) AS level,
                 DATE '2020-01-01' + CAST(i % 365 AS INTEGER) AS day
                FROM range(5000) t(i))
          TO 'FILE' (FORMAT PARQUET, ROW_GROUP_SIZE 2048)""".replace("FILE", file.toString()));
    }
  }

  private static Map<String, ColumnSchema> byName(DatasetSchema s) {
    return s.columns().stream().collect(Collectors.toMap(ColumnSchema::name, Function.identity()));
  }

  private static Map<String, FeatureType> features(DatasetSchema s) {
    return s.features().stream().collect(Collectors.toMap(DatasetSchema.Feature::column, DatasetSchema.Feature::type));
  }

  @Test
  void read_schemaRowGroupsAndStatistics() {
    DatasetSchema s = ParquetSchemas.read(file);
    assertThat(s.format()).isEqualTo("parquet");
    assertThat(s.rowCount()).isEqualTo(5000);
    assertThat(s.rowCountExact()).isTrue();
    assertThat(s.createdBy()).containsIgnoringCase("duckdb");
    assertThat(s.rowGroups()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(s.rowGroups().stream().mapToLong(DatasetSchema.RowGroup::rows).sum()).isEqualTo(5000);
    Map<String, ColumnSchema> c = byName(s);
    assertThat(c.keySet()).contains("id", "price", "ts", "colour", "flag", "address.city", "address.zip", "nums.list.element", "note", "day");

    ColumnSchema price = c.get("price");
    assertThat(price.logicalType()).isEqualTo("DECIMAL(10,2)");
    assertThat(price.precision()).isEqualTo(10);
    assertThat(price.scale()).isEqualTo(2);
    assertThat(price.statistics().min().toString()).isEqualTo("0.00");
    assertThat(price.statistics().max().toString()).isEqualTo("6248.75");

    ColumnSchema ts = c.get("ts");
    assertThat(ts.logicalType()).startsWith("TIMESTAMP(").contains("utc=false");
    assertThat(ts.statistics().min()).isEqualTo("2024-01-01T00:00");
    assertThat(ts.statistics().max()).isEqualTo("2024-01-04T11:19");

    ColumnSchema colour = c.get("colour");
    assertThat(colour.physicalType()).isEqualTo("BYTE_ARRAY");
    assertThat(colour.logicalType()).isEqualTo("STRING");
    assertThat(colour.nullable()).isTrue();
    assertThat(colour.statistics().nullCount()).isEqualTo(715);
    assertThat(colour.statistics().min()).isEqualTo("blue");
    assertThat(colour.statistics().max()).isEqualTo("red");
    assertThat(colour.statistics().dictionaryEncoded()).isTrue();

    assertThat(c.get("day").statistics().min()).isEqualTo("2020-01-01");
    assertThat(c.get("flag").physicalType()).isEqualTo("BOOLEAN");
    assertThat(c.get("nums.list.element").repeated()).isTrue();
    assertThat(c.get("nums.list.element").statistics().valueCount()).isEqualTo(10_000);
    assertThat(c.get("address.city").repeated()).isFalse();
    assertThat(c.get("address.city").path()).containsExactly("address", "city");
    assertThat(c.get("id").statistics().max()).isEqualTo(4999L);
    assertThat(Json.toString(s)).contains("\"format\":\"parquet\"");
  }

  @Test
  void read_infersFeatureTypesWithReasons() {
    DatasetSchema s = ParquetSchemas.read(file);
    Map<String, FeatureType> f = features(s);
    assertThat(f).containsEntry("id", FeatureType.ID_LIKE)
        .containsEntry("price", FeatureType.NUMERIC)
        .containsEntry("ts", FeatureType.TIMESTAMP)
        .containsEntry("day", FeatureType.TIMESTAMP)
        .containsEntry("colour", FeatureType.CATEGORICAL)
        .containsEntry("flag", FeatureType.BOOLEAN)
        .containsEntry("address.city", FeatureType.CATEGORICAL);
    assertThat(s.features()).allSatisfy(x -> assertThat(x.reasons()).isNotEmpty());
    assertThat(s.features().stream().filter(x -> x.column().equals("nums.list.element")).findFirst().orElseThrow().reasons())
        .anyMatch(r -> r.contains("aggregate"));
  }

  @Test
  void notParquet_isInvalidArgument() throws Exception {
    Path p = tmp.resolve("notes.txt");
    Files.writeString(p, "hello, this is not a parquet file at all");
    assertThatThrownBy(() -> ParquetSchemas.read(p)).isInstanceOfSatisfying(DwException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(e.getMessage()).contains("not a Parquet file", p.toString());
    });
    assertThatThrownBy(() -> ParquetSchemas.read(tmp.resolve("missing.parquet")))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
  }

  @Test
  void damagedFooter_isIntegrityNamingTheFile() throws Exception {
    Path p = tmp.resolve("damaged.parquet");
    Files.copy(file, p);
    long size = Files.size(p);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.seek(size - 8);
      int len = Integer.reverseBytes(f.readInt());
      // overwrite the start of the footer with garbage Thrift
      f.seek(size - 8 - len);
      for (int i = 0; i < 64; i++) {
        f.write(0xff);
      }
    }
    assertThatThrownBy(() -> ParquetSchemas.read(p)).isInstanceOfSatisfying(DwException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY);
      assertThat(e.getMessage()).contains(p.toString());
    });
    Path bad = tmp.resolve("badlength.parquet");
    Files.copy(file, bad);
    try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
      f.seek(Files.size(bad) - 8);
      f.writeInt(Integer.reverseBytes(Integer.MAX_VALUE - 7));
    }
    assertThatThrownBy(() -> ParquetSchemas.read(bad)).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY));
  }
}
