/**
 * Schema extraction for AutoML: {@link io.datawarehouse.intelligence.schema.ParquetSchemas} reads
 * a Parquet file's footer, {@link io.datawarehouse.intelligence.schema.JdbcSchemas} a database
 * table or query; both return a {@link io.datawarehouse.intelligence.schema.DatasetSchema} whose
 * columns carry a {@link io.datawarehouse.intelligence.schema.FeatureType} inferred by {@link
 * io.datawarehouse.intelligence.schema.FeatureTypeInference}, with the reasons.
 */
package io.datawarehouse.intelligence.schema;
