package io.datawarehouse.connector.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.Secrets;
import io.datawarehouse.storage.query.QueryResult;
import io.datawarehouse.storage.query.QuerySource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A JDBC database as a {@link QuerySource}.
 *
 * <p>Each statement first passes {@link SqlGuard} (one reading statement). Each query borrows a
 * pooled connection, starts a transaction marked read-only (the
 * connection's read-only flag and {@code SET TRANSACTION READ ONLY}, which PostgreSQL and
 * MariaDB both enforce: a write fails instead of happening), binds every parameter with the
 * driver (values never become SQL text), sets the statement timeout (the driver's query timeout,
 * and on PostgreSQL also a millisecond-exact {@code SET LOCAL statement_timeout}), reads at most
 * {@code maxRows + 1} rows to learn whether the cap cut the result, converts the values to JSON
 * types by column type, and rolls back.
 *
 * <p>Thread-safe. The pool starts lazily: a database that is down at start makes queries fail
 * with UNAVAILABLE and {@link #probe()} DOWN, never the plugin's start.
 */
final class JdbcQuerySource implements QuerySource {
  private final String name;
  private final String url;
  private final HikariDataSource pool;

  JdbcQuerySource(String name, Config c) {
    this.name = name;
    this.url = c.getString("url");
    HikariConfig h = new HikariConfig();
    h.setPoolName("dw-storage-" + name);
    h.setJdbcUrl(url);
    if (c.getString("user") != null) {
      h.setUsername(c.getString("user"));
    }
    if (c.getPassword("password") != null) {
      h.setPassword(c.getPassword("password").reveal());
    }
    h.setMaximumPoolSize(c.getInt("poolSize"));
    h.setMinimumIdle(0);
    h.setConnectionTimeout(Math.max(250, c.getDuration("connectTimeout").toMillis()));
    h.setInitializationFailTimeout(-1); // start without the database; queries and probes say why
    h.setReadOnly(true);
    h.setAutoCommit(false);
    try {
      this.pool = new HikariDataSource(h);
    } catch (RuntimeException e) {
      throw DwException.invalidArgument("source '" + name + "': cannot use " + Secrets.maskInline(url) + ": " + e.getMessage());
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public QueryResult query(String sql, List<Object> params, int maxRows, Duration timeout) {
    if (sql == null || sql.isBlank()) {
      throw DwException.invalidArgument("source '" + name + "': sql is empty");
    }
    SqlGuard.check(name, sql);
    long start = System.nanoTime();
    try (Connection conn = pool.getConnection()) {
      try {
        conn.setReadOnly(true);
        conn.setAutoCommit(false);
        boolean postgres = conn.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
        try (Statement s = conn.createStatement()) {
          s.execute("SET TRANSACTION READ ONLY");
          if (postgres) {
            s.execute("SET LOCAL statement_timeout = " + Math.max(1, timeout.toMillis()));
          }
        }
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
          ps.setQueryTimeout((int) Math.max(1, (timeout.toMillis() + 999) / 1000));
          ps.setMaxRows(maxRows + 1);
          ps.setFetchSize(Math.min(maxRows + 1, 500));
          bind(ps, params);
          if (!ps.execute()) {
            throw DwException.invalidArgument("source '" + name + "': the statement returned no rows to read "
                + "(storage.query runs SELECT-like statements only)");
          }
          try (ResultSet rs = ps.getResultSet()) {
            return read(rs, maxRows, start);
          }
        } finally {
          conn.rollback();
        }
      } catch (SQLException e) {
        safeRollback(conn);
        throw map(e, timeout);
      }
    } catch (SQLException e) {
      throw map(e, timeout);
    }
  }

  private void bind(PreparedStatement ps, List<Object> params) throws SQLException {
    if (params == null) {
      return;
    }
    int declared = ps.getParameterMetaData().getParameterCount();
    if (declared != params.size()) {
      throw DwException.invalidArgument("source '" + name + "': the statement has " + declared + " placeholders but "
          + params.size() + " params were given");
    }
    for (int i = 0; i < params.size(); i++) {
      Object v = params.get(i);
      int idx = i + 1;
      switch (v) {
        case null -> ps.setNull(idx, Types.NULL);
        case String s -> ps.setString(idx, s);
        case Boolean b -> ps.setBoolean(idx, b);
        case Integer n -> ps.setLong(idx, n);
        case Long n -> ps.setLong(idx, n);
        case Short n -> ps.setLong(idx, n);
        case java.math.BigInteger n -> ps.setBigDecimal(idx, new BigDecimal(n));
        case BigDecimal n -> ps.setBigDecimal(idx, n);
        case Double n -> ps.setDouble(idx, n);
        case Float n -> ps.setDouble(idx, n);
        default -> throw DwException.invalidArgument("source '" + name + "': param " + idx + " is a "
            + v.getClass().getSimpleName() + "; params are null, booleans, numbers or strings (cast strings in SQL for "
            + "dates and other types)");
      }
    }
  }

  private QueryResult read(ResultSet rs, int maxRows, long start) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<QueryResult.Column> cols = new ArrayList<>(n);
    String[] kinds = new String[n];
    for (int i = 1; i <= n; i++) {
      String label = md.getColumnLabel(i);
      for (QueryResult.Column c : cols) {
        if (c.name().equals(label)) {
          throw DwException.invalidArgument("source '" + name + "': two columns are named '" + label
              + "'; give them distinct aliases (rows are objects keyed by column name)");
        }
      }
      kinds[i - 1] = jsonType(md.getColumnType(i));
      cols.add(new QueryResult.Column(label, md.getColumnTypeName(i), kinds[i - 1]));
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    boolean truncated = false;
    while (rs.next()) {
      if (rows.size() == maxRows) {
        truncated = true;
        break;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      for (int i = 1; i <= n; i++) {
        row.put(cols.get(i - 1).name(), value(rs, i, kinds[i - 1]));
      }
      rows.add(row);
    }
    return new QueryResult(name, cols, rows, truncated, (System.nanoTime() - start) / 1_000_000);
  }

  static String jsonType(int sqlType) {
    return switch (sqlType) {
      case Types.BIT, Types.BOOLEAN -> "boolean";
      case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> "integer";
      case Types.REAL, Types.FLOAT, Types.DOUBLE -> "number";
      case Types.NUMERIC, Types.DECIMAL -> "decimal";
      case Types.DATE -> "date";
      case Types.TIME, Types.TIME_WITH_TIMEZONE -> "time";
      case Types.TIMESTAMP -> "timestamp";
      case Types.TIMESTAMP_WITH_TIMEZONE -> "timestamptz";
      case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> "bytes";
      default -> "string";
    };
  }

  private static Object value(ResultSet rs, int i, String kind) throws SQLException {
    Object v = switch (kind) {
      case "boolean" -> rs.getBoolean(i);
      case "integer" -> {
        BigDecimal d = rs.getBigDecimal(i); // BIGINT UNSIGNED may exceed a long
        yield d == null ? null : d.scale() <= 0 && d.toBigInteger().bitLength() < 64 ? (Object) d.longValueExact() : d;
      }
      case "number" -> rs.getDouble(i);
      case "decimal" -> rs.getBigDecimal(i);
      case "date" -> {
        LocalDate d = rs.getObject(i, LocalDate.class);
        yield d == null ? null : d.toString();
      }
      case "time" -> {
        LocalTime t = rs.getObject(i, LocalTime.class);
        yield t == null ? null : t.toString();
      }
      case "timestamp" -> {
        LocalDateTime t = rs.getObject(i, LocalDateTime.class);
        yield t == null ? null : t.toString();
      }
      case "timestamptz" -> {
        OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
        yield t == null ? null : t.toInstant().toString();
      }
      case "bytes" -> {
        byte[] b = rs.getBytes(i);
        yield b == null ? null : Base64.getEncoder().encodeToString(b);
      }
      default -> rs.getString(i);
    };
    return rs.wasNull() ? null : v;
  }


  private static void safeRollback(Connection conn) {
    try {
      conn.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the pool discards it
    }
  }

  private DwException map(SQLException e, Duration timeout) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String where = "source '" + name + "'";
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    if (e instanceof SQLTimeoutException || state.equals("57014") || state.equals("70100") || e.getErrorCode() == 1969) {
      return DwException.of(ErrorCode.TIMEOUT, where + ": the statement was cancelled after its timeout of "
          + timeout.toMillis() + " ms: " + msg, e);
    }
    if (state.equals("25006") || e.getErrorCode() == 1792) {
      return DwException.of(ErrorCode.INVALID_ARGUMENT, where + ": storage.query runs in a read-only transaction; "
          + "the statement tried to write: " + msg, e);
    }
    if (state.startsWith("08") || state.equals("57P01") || e instanceof java.sql.SQLTransientConnectionException) {
      return DwException.unavailable(where + " (" + Secrets.maskInline(url) + ") cannot be reached: " + msg, e);
    }
    if (state.startsWith("42") || state.startsWith("22") || state.startsWith("07") || state.startsWith("HY")
        || state.startsWith("21")) {
      return DwException.of(ErrorCode.INVALID_ARGUMENT, where + ": " + msg, e);
    }
    return DwException.of(ErrorCode.INTERNAL, where + ": SQLState " + state + ": " + msg, e);
  }

  @Override
  public Health probe() {
    try (Connection c = pool.getConnection()) {
      boolean ok = c.isValid(5);
      c.rollback();
      return (ok ? Health.up() : Health.down("source '" + name + "' answered but its connection is not valid"))
          .withDetail("url", Secrets.maskInline(url)).withDetail("database", c.getMetaData().getDatabaseProductName()
              + " " + c.getMetaData().getDatabaseProductVersion());
    } catch (SQLException e) {
      return Health.down("source '" + name + "' (" + Secrets.maskInline(url) + ") cannot be reached", e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
