package io.datawarehouse.storage.query;

import io.datawarehouse.sdk.Health;
import java.time.Duration;
import java.util.List;

/**
 * A named data source that answers parameterised, read-only lookups: a JDBC database through
 * {@code dw-connector-jdbc}.
 *
 * <p>Contract: the statement runs with its parameters bound (never spliced into the SQL), in a
 * read-only transaction that is rolled back afterwards, cancelled after {@code timeout}, and stops
 * reading after {@code maxRows} rows. Thread-safe: sources pool their connections.
 */
public interface QuerySource extends AutoCloseable {

  /** The source's configured name. */
  String name();

  /**
   * Runs one statement.
   *
   * @param sql one statement with {@code ?} placeholders
   * @param params the placeholder values: null, Boolean, Number or String
   * @param maxRows the row cap (>= 1)
   * @param timeout the statement timeout
   * @throws io.datawarehouse.sdk.DwException INVALID_ARGUMENT for bad SQL, a write attempted, or a
   *     parameter of a type that cannot be bound; TIMEOUT; UNAVAILABLE when the database cannot be
   *     reached
   */
  QueryResult query(String sql, List<Object> params, int maxRows, Duration timeout);

  /** Checks the database now (a validation query); may block up to the connect timeout. */
  Health probe();

  @Override
  void close();
}
