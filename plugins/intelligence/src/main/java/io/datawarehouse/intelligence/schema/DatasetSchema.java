package io.datawarehouse.intelligence.schema;

import java.util.List;

/**
 * The schema of a dataset: a Parquet file or a database table or query, with the inferred feature
 * type of each column.
 *
 * @param source the file, or the JDBC URL (password masked) and table or query
 * @param format "parquet" or "jdbc"
 * @param rowCount rows: exact for Parquet, the database's estimate for a table (-1 when unknown)
 * @param rowCountExact whether {@code rowCount} is exact
 * @param columns the columns in order
 * @param primaryKey primary key columns (JDBC tables), else empty
 * @param rowGroups Parquet row groups, else empty
 * @param createdBy the Parquet writer, or the database product and version
 * @param features the inferred feature type of each column, with reasons
 */
public record DatasetSchema(String source, String format, long rowCount, boolean rowCountExact, List<ColumnSchema> columns,
    List<String> primaryKey, List<RowGroup> rowGroups, String createdBy, List<Feature> features) {

  /** One Parquet row group. */
  public record RowGroup(int index, long rows, long totalBytes, long compressedBytes) {}

  /** A column's inferred feature type and why. */
  public record Feature(String column, FeatureType type, List<String> reasons) {}

  /** This schema with features inferred by {@link FeatureTypeInference}. */
  public DatasetSchema withFeatures() {
    return new DatasetSchema(source, format, rowCount, rowCountExact, columns, primaryKey, rowGroups, createdBy,
        FeatureTypeInference.infer(this));
  }
}
