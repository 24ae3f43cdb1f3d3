package io.datawarehouse.connector.jdbc;

import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.storage.query.QuerySource;
import io.datawarehouse.storage.query.QuerySourceProvider;

/** Serves {@code jdbc:} URLs with {@link JdbcQuerySource}. */
public final class JdbcSourceProvider implements QuerySourceProvider {
  @Override
  public String name() {
    return "jdbc";
  }

  @Override
  public boolean accepts(String url) {
    return url != null && url.startsWith("jdbc:");
  }

  @Override
  public QuerySource open(String name, Config config) {
    return new JdbcQuerySource(name, config);
  }
}
