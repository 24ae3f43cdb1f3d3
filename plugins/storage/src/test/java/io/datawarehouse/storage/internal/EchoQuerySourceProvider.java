package io.datawarehouse.storage.internal;

import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.storage.query.QueryResult;
import io.datawarehouse.storage.query.QuerySource;
import io.datawarehouse.storage.query.QuerySourceProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A hand-written query source for the plugin's tests ({@code echo:} URLs): answers with one row
 * per parameter, capped at maxRows, and echoes the SQL and the timeout it was given, so the tests
 * see exactly what the plugin passed down. The real JDBC source is tested in dw-connector-jdbc.
 */
public final class EchoQuerySourceProvider implements QuerySourceProvider {
  @Override
  public String name() {
    return "echo";
  }

  @Override
  public boolean accepts(String url) {
    return url.startsWith("echo:");
  }

  @Override
  public QuerySource open(String name, Config config) {
    return new QuerySource() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public QueryResult query(String sql, List<Object> params, int maxRows, Duration timeout) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < params.size() && rows.size() < maxRows; i++) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("sql", sql);
          row.put("param", params.get(i));
          row.put("timeoutMs", timeout.toMillis());
          rows.add(row);
        }
        return new QueryResult(name, List.of(new QueryResult.Column("sql", "text", "string"),
            new QueryResult.Column("param", "any", "string"), new QueryResult.Column("timeoutMs", "bigint", "integer")),
            rows, params.size() > maxRows, 0);
      }

      @Override
      public Health probe() {
        return Health.up();
      }

      @Override
      public void close() {}
    };
  }
}
