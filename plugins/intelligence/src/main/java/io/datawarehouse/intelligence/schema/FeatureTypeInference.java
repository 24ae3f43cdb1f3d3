package io.datawarehouse.intelligence.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Infers each column's {@link FeatureType} from its types, its statistics, its name and the
 * primary key, and says why. The rules, first match wins:
 *
 * <ol>
 *   <li>boolean types are BOOLEAN; date, time and timestamp types (and legacy INT96) TIMESTAMP;
 *       strings of more than 64 characters on average TEXT;
 *   <li>a UUID, a single-column primary key, an integer or string named like an id ({@code id},
 *       {@code *_id}, {@code *Id}, {@code uuid}, {@code *_key}), or an integer or string whose
 *       distinct values are at least 99% of the rows, is ID_LIKE;
 *   <li>numbers are NUMERIC, except integers with at most 20 distinct values over at least ten rows
 *       per value, which are CATEGORICAL;
 *   <li>strings are CATEGORICAL when an enum, or few distinct values are known (at most 50 or 5% of
 *       the rows), or (with no count) the Parquet column is dictionary-encoded; TEXT when long
 *       ({@code > 255} characters declared or 64 on average) or many distinct values are known, or
 *       nothing is known;
 *   <li>anything else (raw binary) is TEXT with the reason "binary".
 * </ol>
 * A repeated (list) column gets the type of its elements and the reason that it needs aggregating.
 */
public final class FeatureTypeInference {
  private static final Pattern ID_NAME = Pattern.compile("(?i)^(id|uuid|guid|key)$|_id$|_key$|_uuid$|[a-z0-9]Id$");
  private static final Set<String> INTEGER_SQL = Set.of("TINYINT", "SMALLINT", "INTEGER", "BIGINT");
  private static final Set<String> NUMERIC_SQL = Set.of("FLOAT", "REAL", "DOUBLE", "NUMERIC", "DECIMAL");
  private static final Set<String> STRING_SQL = Set.of("CHAR", "VARCHAR", "LONGVARCHAR", "NCHAR", "NVARCHAR",
      "LONGNVARCHAR", "CLOB", "NCLOB");

  private FeatureTypeInference() {}

  /** The features of every column of {@code schema}. */
  public static List<DatasetSchema.Feature> infer(DatasetSchema schema) {
    List<DatasetSchema.Feature> out = new ArrayList<>();
    boolean singlePk = schema.primaryKey().size() == 1;
    for (ColumnSchema c : schema.columns()) {
      out.add(infer(c, schema.rowCount(), singlePk && schema.primaryKey().get(0).equals(c.name())));
    }
    return out;
  }

  /** The feature of one column; {@code rows} may be -1 when unknown. */
  public static DatasetSchema.Feature infer(ColumnSchema c, long rows, boolean primaryKey) {
    List<String> why = new ArrayList<>();
    FeatureType t = decide(c, rows, primaryKey, why);
    if (c.repeated()) {
      why.add("repeated (inside a list): aggregate it per row before use");
    }
    return new DatasetSchema.Feature(c.name(), t, why);
  }

  private static FeatureType decide(ColumnSchema c, long rows, boolean pk, List<String> why) {
    String phys = c.physicalType() == null ? "" : c.physicalType().toUpperCase(Locale.ROOT);
    String logical = c.logicalType() == null ? "" : c.logicalType().toUpperCase(Locale.ROOT);
    ColumnStatistics s = c.statistics();
    long n = s != null && s.sampledRows() > 0 ? s.sampledRows() : rows;
    Long distinct = s == null ? null : s.distinctCount();

    if (phys.equals("BOOLEAN") || phys.equals("BIT") || logical.startsWith("BOOL")) {
      why.add("boolean type " + (logical.isEmpty() ? phys : logical));
      return FeatureType.BOOLEAN;
    }
    if (logical.startsWith("DATE") || logical.startsWith("TIME") || phys.equals("INT96") || phys.startsWith("TIMESTAMP")
        || phys.equals("DATE") || phys.startsWith("TIME")) {
      why.add("temporal type " + (logical.isEmpty() ? phys : logical));
      return FeatureType.TIMESTAMP;
    }
    boolean integer = logical.startsWith("INT") && !logical.startsWith("INTERVAL") || INTEGER_SQL.contains(phys)
        || ((phys.equals("INT32") || phys.equals("INT64")) && logical.isEmpty());
    boolean number = integer || logical.startsWith("DECIMAL") || NUMERIC_SQL.contains(phys) || phys.equals("FLOAT") || phys.equals("DOUBLE");
    boolean string = logical.startsWith("STRING") || logical.startsWith("ENUM") || logical.startsWith("JSON") || STRING_SQL.contains(phys)
        || logical.contains("CHAR") || logical.equals("TEXT");
    if (logical.startsWith("UUID") || phys.equals("UUID") || logical.equals("UUID")) {
      why.add("UUID type");
      return FeatureType.ID_LIKE;
    }
    if (string && s != null && s.averageLength() != null && s.averageLength() > 64) {
      why.add(String.format(Locale.ROOT, "long strings (%.0f characters on average)", s.averageLength()));
      return FeatureType.TEXT;
    }
    if (pk) {
      why.add("the table's primary key");
      return FeatureType.ID_LIKE;
    }
    if ((integer || string) && ID_NAME.matcher(c.name().substring(c.name().lastIndexOf('.') + 1)).find()) {
      why.add("named like an identifier ('" + c.name() + "') and " + (integer ? "an integer" : "a string"));
      return FeatureType.ID_LIKE;
    }
    if ((integer || string) && distinct != null && n > 1 && distinct >= 0.99 * (n - nulls(s))) {
      why.add(distinct + " distinct values in " + n + " rows: unique per row");
      return FeatureType.ID_LIKE;
    }
    if (number) {
      if (integer && distinct != null && distinct <= 20 && n >= 10 * distinct) {
        why.add("integer with only " + distinct + " distinct values in " + n + " rows");
        return FeatureType.CATEGORICAL;
      }
      why.add("numeric type " + (logical.isEmpty() ? phys : logical));
      return FeatureType.NUMERIC;
    }
    if (string) {
      if (logical.startsWith("ENUM")) {
        why.add("enum type");
        return FeatureType.CATEGORICAL;
      }
      if (distinct != null) {
        long limit = Math.max(50, n > 0 ? n / 20 : 50);
        if (distinct <= limit) {
          why.add(distinct + " distinct values" + (n > 0 ? " in " + n + " rows" : ""));
          return FeatureType.CATEGORICAL;
        }
        why.add(distinct + " distinct values in " + n + " rows: too many for categories");
        return FeatureType.TEXT;
      }
      if (Boolean.TRUE.equals(s == null ? null : s.dictionaryEncoded())) {
        why.add("dictionary-encoded by the writer (few distinct values)");
        return FeatureType.CATEGORICAL;
      }
      if (c.precision() != null && c.precision() > 255) {
        why.add("declared length " + c.precision());
        return FeatureType.TEXT;
      }
      why.add("string with no cardinality known");
      return FeatureType.TEXT;
    }
    why.add("binary type " + (logical.isEmpty() ? phys : logical));
    return FeatureType.TEXT;
  }

  private static long nulls(ColumnStatistics s) {
    return s == null || s.nullCount() == null ? 0 : s.nullCount();
  }
}
