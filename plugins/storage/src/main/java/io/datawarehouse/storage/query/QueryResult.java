package io.datawarehouse.storage.query;

import java.util.List;
import java.util.Map;

/**
 * The answer of a query: typed columns and rows as JSON-ready values.
 *
 * <p>Values by column {@link Column#jsonType()}: {@code integer} (Long), {@code number} (Double),
 * {@code decimal} (BigDecimal, exact), {@code boolean}, {@code string}, {@code date}
 * ("2026-11-27"), {@code time} ("13:45:00"), {@code timestamp} (ISO-8601, with offset when the
 * column has one), {@code bytes} (base64); SQL NULL is JSON null.
 *
 * @param source the data source's name
 * @param columns the columns in select order
 * @param rows one map per row, column label to value, in select order
 * @param truncated whether more rows matched than the row cap let through
 * @param elapsedMs time the query took, for the caller's logs
 */
public record QueryResult(String source, List<Column> columns, List<Map<String, Object>> rows, boolean truncated, long elapsedMs) {

  /**
   * One column.
   *
   * @param name its label (the alias when there is one)
   * @param sqlType the database's type name ("int4", "VARCHAR")
   * @param jsonType how its values appear (see {@link QueryResult})
   */
  public record Column(String name, String sqlType, String jsonType) {}
}
