package io.datawarehouse.intelligence.schema;

import java.util.List;

/**
 * What is known about a column's values: from Parquet footers (exact, per file) or from profiling
 * a sample of rows over JDBC ({@code sampledRows} > 0). Any field may be null when the source does
 * not say.
 *
 * @param valueCount values (for a repeated column, list elements)
 * @param nullCount null values
 * @param distinctCount distinct non-null values (exact only from one Parquet row group or a full sample)
 * @param min smallest value, JSON-friendly (number, string, ISO date/time)
 * @param max largest value
 * @param dictionaryEncoded every Parquet column chunk has a dictionary page
 * @param encodings Parquet encodings used
 * @param compressedBytes Parquet compressed size of the column
 * @param uncompressedBytes Parquet uncompressed size
 * @param averageLength mean length of string values in the sample
 * @param sampledRows rows profiled over JDBC, 0 for statistics from file metadata
 */
public record ColumnStatistics(Long valueCount, Long nullCount, Long distinctCount, Object min, Object max,
    Boolean dictionaryEncoded, List<String> encodings, Long compressedBytes, Long uncompressedBytes, Double averageLength,
    long sampledRows) {}
