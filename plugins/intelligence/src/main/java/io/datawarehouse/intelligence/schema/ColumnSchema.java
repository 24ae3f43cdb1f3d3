package io.datawarehouse.intelligence.schema;

import java.util.List;

/**
 * One column: a Parquet leaf column (nested fields have dotted paths, "address.city",
 * "tags.list.element") or a JDBC result column.
 *
 * @param name the dotted path (JDBC: the column name)
 * @param path the path's parts
 * @param physicalType Parquet physical type (INT32, BYTE_ARRAY...) or the JDBC type name of {@code java.sql.Types}
 * @param logicalType Parquet logical type ("STRING", "DECIMAL(10,2)", "TIMESTAMP(MICROS,utc=false)") or the database's type name
 * @param repetition REQUIRED, OPTIONAL or REPEATED (the leaf's own); JDBC: REQUIRED or OPTIONAL
 * @param nullable whether a row may have no value (the leaf or any enclosing group is optional)
 * @param repeated whether the column is inside a list (repetition level > 0)
 * @param precision decimal precision or character length, null when not applicable
 * @param scale decimal scale, null when not applicable
 * @param statistics what is known about the values
 */
public record ColumnSchema(String name, List<String> path, String physicalType, String logicalType, String repetition,
    boolean nullable, boolean repeated, Integer precision, Integer scale, ColumnStatistics statistics) {}
