package io.datawarehouse.intelligence.schema;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.config.Secrets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.JDBCType;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * The schema of a database table or query over JDBC: columns with SQL types, nullability, primary
 * key, the database's row count estimate, and a profile of the first {@code profileRows} rows
 * (nulls, distinct values, min/max, mean string length) that feeds {@link FeatureTypeInference}.
 *
 * <p>The driver is whatever {@link DriverManager} finds for the URL (the distribution ships the
 * PostgreSQL and MariaDB drivers); no driver class is named here. Row count estimates come from
 * {@code pg_class.reltuples} on PostgreSQL and {@code information_schema.TABLES.TABLE_ROWS} on
 * MariaDB/MySQL; other databases report -1. Passwords never appear in results or errors.
 *
 * <p>Thread-safe (stateless); each call opens and closes its own connection.
 */
public final class JdbcSchemas {
  /** Distinct values tracked per column while profiling. */
  private static final int MAX_DISTINCT_TRACKED = 100_000;

  private JdbcSchemas() {}

  /**
   * The schema of {@code table} ("name" or "schema.name").
   *
   * @param props driver properties (user, password), may be empty
   * @param profileRows rows to profile, 0 for none
   * @throws DwException NOT_FOUND when the table does not exist; UNAVAILABLE when the database
   *     cannot be reached or no driver serves the URL; INVALID_ARGUMENT for a bad URL or name
   */
  public static DatasetSchema table(String url, Properties props, String table, int profileRows) {
    String masked = Secrets.maskInline(url);
    try (Connection c = connect(url, props)) {
      DatabaseMetaData md = c.getMetaData();
      String[] name = resolve(md, table, masked);
      List<ColumnSchema> cols = new ArrayList<>();
      try (ResultSet rs = md.getColumns(name[0], name[1], name[2], null)) {
        while (rs.next()) {
          int type = rs.getInt("DATA_TYPE");
          int size = rs.getInt("COLUMN_SIZE");
          boolean sizeNull = rs.wasNull();
          int digits = rs.getInt("DECIMAL_DIGITS");
          boolean digitsNull = rs.wasNull();
          boolean nullable = !"NO".equalsIgnoreCase(rs.getString("IS_NULLABLE"));
          String col = rs.getString("COLUMN_NAME");
          cols.add(new ColumnSchema(col, List.of(col), jdbcName(type), rs.getString("TYPE_NAME"), nullable ? "OPTIONAL" : "REQUIRED",
              nullable, false, sizeNull || size <= 0 || size == Integer.MAX_VALUE ? null : size, digitsNull ? null : digits, null));
        }
      }
      List<String> pk = new ArrayList<>();
      try (ResultSet rs = md.getPrimaryKeys(name[0], name[1], name[2])) {
        List<Object[]> parts = new ArrayList<>();
        while (rs.next()) {
          parts.add(new Object[] {rs.getShort("KEY_SEQ"), rs.getString("COLUMN_NAME")});
        }
        parts.sort((a, b) -> Short.compare((Short) a[0], (Short) b[0]));
        parts.forEach(p -> pk.add((String) p[1]));
      }
      long estimate = estimate(c, md, name);
      String q = md.getIdentifierQuoteString().trim();
      String from = (name[1] != null && !name[1].isEmpty() ? quote(q, name[1]) + "." : "") + quote(q, name[2]);
      if (profileRows > 0) {
        cols = profile(c, "SELECT * FROM " + from, cols, profileRows);
      }
      return new DatasetSchema(masked + " table " + table, "jdbc", estimate, false, cols, pk, List.of(),
          md.getDatabaseProductName() + " " + md.getDatabaseProductVersion(), List.of()).withFeatures();
    } catch (SQLException e) {
      throw translate(e, masked, "table " + table);
    }
  }

  /** The schema of a query's result: columns from the driver's metadata, profile of its first rows. */
  public static DatasetSchema query(String url, Properties props, String sql, int profileRows) {
    String masked = Secrets.maskInline(url);
    try (Connection c = connect(url, props)) {
      c.setReadOnly(true);
      List<ColumnSchema> cols = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setMaxRows(1);
        try (ResultSet rs = ps.executeQuery()) {
          ResultSetMetaData m = rs.getMetaData();
          for (int i = 1; i <= m.getColumnCount(); i++) {
            boolean nullable = m.isNullable(i) != ResultSetMetaData.columnNoNulls;
            String col = m.getColumnLabel(i);
            int p = m.getPrecision(i);
            cols.add(new ColumnSchema(col, List.of(col), jdbcName(m.getColumnType(i)), m.getColumnTypeName(i),
                nullable ? "OPTIONAL" : "REQUIRED", nullable, false, p <= 0 || p == Integer.MAX_VALUE ? null : p,
                m.getScale(i) > 0 ? m.getScale(i) : null, null));
          }
        }
      }
      if (profileRows > 0) {
        cols = profile(c, sql, cols, profileRows);
      }
      DatabaseMetaData md = c.getMetaData();
      return new DatasetSchema(masked + " query", "jdbc", -1, false, cols, List.of(), List.of(),
          md.getDatabaseProductName() + " " + md.getDatabaseProductVersion(), List.of()).withFeatures();
    } catch (SQLException e) {
      throw translate(e, masked, "query");
    }
  }

  private static Connection connect(String url, Properties props) throws SQLException {
    if (url == null || !url.startsWith("jdbc:")) {
      throw DwException.invalidArgument("a JDBC URL starts with jdbc: (jdbc:postgresql://127.0.0.1:5432/db), was '"
          + Secrets.maskInline(String.valueOf(url)) + "'");
    }
    DriverManager.setLoginTimeout(10);
    return DriverManager.getConnection(url, props);
  }

  private static DwException translate(SQLException e, String url, String what) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String msg = Secrets.maskInline(String.valueOf(e.getMessage()));
    if (msg.contains("No suitable driver")) {
      return DwException.of(ErrorCode.UNAVAILABLE, "no JDBC driver is installed for " + url, e);
    }
    if (state.startsWith("08") || state.startsWith("28")) {
      return DwException.of(ErrorCode.UNAVAILABLE, "cannot connect to " + url + ": " + msg + " (SQLState " + state + ")", e);
    }
    if (state.startsWith("42")) {
      return DwException.of(ErrorCode.INVALID_ARGUMENT, url + " " + what + ": " + msg + " (SQLState " + state + ")", e);
    }
    return DwException.of(ErrorCode.UNAVAILABLE, url + " " + what + " failed: " + msg + " (SQLState " + state + ")", e);
  }

  /** {catalog, schema, table} as the database stores them; NOT_FOUND listing what was tried. */
  private static String[] resolve(DatabaseMetaData md, String table, String url) throws SQLException {
    if (table == null || table.isBlank()) {
      throw DwException.invalidArgument("a table name is required");
    }
    String schema = null;
    String name = table.trim();
    int dot = name.indexOf('.');
    if (dot > 0) {
      schema = name.substring(0, dot);
      name = name.substring(dot + 1);
    }
    String catalog = md.getConnection().getCatalog();
    for (String n : new String[] {name, name.toLowerCase(Locale.ROOT), name.toUpperCase(Locale.ROOT)}) {
      for (String s : schema == null ? new String[] {null} : new String[] {schema, schema.toLowerCase(Locale.ROOT), schema.toUpperCase(Locale.ROOT)}) {
        try (ResultSet rs = md.getTables(catalog, s, n, new String[] {"TABLE", "VIEW", "BASE TABLE", "MATERIALIZED VIEW"})) {
          if (rs.next()) {
            return new String[] {rs.getString("TABLE_CAT"), rs.getString("TABLE_SCHEM"), rs.getString("TABLE_NAME")};
          }
        }
      }
    }
    throw DwException.notFound("no table or view '" + table + "' in " + url);
  }

  private static long estimate(Connection c, DatabaseMetaData md, String[] name) {
    String product = md.getClass().getName();
    try {
      product = md.getDatabaseProductName().toLowerCase(Locale.ROOT);
      if (product.contains("postgres")) {
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = ? AND n.nspname = ?")) {
          ps.setString(1, name[2]);
          ps.setString(2, name[1] == null ? "public" : name[1]);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Math.max(-1, rs.getLong(1)) : -1;
          }
        }
      }
      if (product.contains("mariadb") || product.contains("mysql")) {
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?")) {
          ps.setString(1, name[0]);
          ps.setString(2, name[2]);
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              long v = rs.getLong(1);
              return rs.wasNull() ? -1 : v;
            }
          }
        }
      }
    } catch (SQLException e) {
      return -1; // an estimate is optional: no permission on the catalog is not an error
    }
    return -1;
  }

  private static String quote(String q, String id) {
    return q.isEmpty() ? id : q + id.replace(q, q + q) + q;
  }

  /** The columns with statistics from the first {@code rows} rows of {@code sql}. */
  private static List<ColumnSchema> profile(Connection c, String sql, List<ColumnSchema> cols, int rows) throws SQLException {
    int n = cols.size();
    long[] nulls = new long[n];
    long[] lengthSum = new long[n];
    long[] lengthCount = new long[n];
    List<Set<Object>> distinct = new ArrayList<>();
    boolean[] overflow = new boolean[n];
    Comparable<?>[] min = new Comparable<?>[n];
    Comparable<?>[] max = new Comparable<?>[n];
    for (int i = 0; i < n; i++) {
      distinct.add(new HashSet<>());
    }
    long seen = 0;
    try (Statement st = c.createStatement()) {
      st.setMaxRows(rows);
      st.setFetchSize(Math.min(rows, 1000));
      try (ResultSet rs = st.executeQuery(sql)) {
        int have = Math.min(n, rs.getMetaData().getColumnCount());
        while (rs.next()) {
          seen++;
          for (int i = 0; i < have; i++) {
            Object v = rs.getObject(i + 1);
            if (v == null) {
              nulls[i]++;
              continue;
            }
            if (v instanceof byte[] b) {
              v = java.util.HexFormat.of().formatHex(b);
            }
            if (v instanceof String s) {
              lengthSum[i] += s.length();
              lengthCount[i]++;
            }
            if (!overflow[i]) {
              distinct.get(i).add(v instanceof Comparable<?> ? v : v.toString());
              overflow[i] = distinct.get(i).size() > MAX_DISTINCT_TRACKED;
            }
            if (v instanceof Comparable<?> cv) {
              min[i] = min[i] == null ? cv : io.datawarehouse.intelligence.schema.internal.ParquetValues.pick(min[i], cv, true);
              max[i] = max[i] == null ? cv : io.datawarehouse.intelligence.schema.internal.ParquetValues.pick(max[i], cv, false);
            }
          }
        }
      }
    }
    List<ColumnSchema> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ColumnSchema col = cols.get(i);
      ColumnStatistics s = new ColumnStatistics(seen - nulls[i], nulls[i], overflow[i] ? null : (long) distinct.get(i).size(),
          io.datawarehouse.intelligence.schema.internal.ParquetValues.json(min[i]),
          io.datawarehouse.intelligence.schema.internal.ParquetValues.json(max[i]), null, null, null, null,
          lengthCount[i] == 0 ? null : (double) lengthSum[i] / lengthCount[i], seen);
      out.add(new ColumnSchema(col.name(), col.path(), col.physicalType(), col.logicalType(), col.repetition(), col.nullable(),
          col.repeated(), col.precision(), col.scale(), s));
    }
    return out;
  }

  private static String jdbcName(int type) {
    try {
      return JDBCType.valueOf(type).getName();
    } catch (IllegalArgumentException e) {
      return "OTHER(" + type + ")";
    }
  }
}
