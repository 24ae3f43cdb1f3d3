package io.datawarehouse.intelligence.schema.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.TimeUnit;
import org.apache.parquet.format.Type;

/**
 * Decodes Parquet statistics values (the plain encoding of a physical type, as stored in the
 * footer) into comparable Java values, using the column's logical type: decimals as {@link
 * BigDecimal}, dates as {@link LocalDate}, timestamps as {@link Instant} (UTC-adjusted) or local
 * date-times, strings as {@link String}. {@link #json} turns them into JSON-friendly values.
 */
public final class ParquetValues {
  private ParquetValues() {}

  /** The decoded value, or null when the bytes do not fit the type. */
  public static Comparable<?> decode(SchemaElement e, byte[] b) {
    if (b == null) {
      return null;
    }
    ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    LogicalType lt = e.isSetLogicalType() ? e.getLogicalType() : null;
    Type t = e.getType();
    try {
      return switch (t) {
        case BOOLEAN -> b.length >= 1 ? (Comparable<?>) Boolean.valueOf(b[0] != 0) : null;
        case INT32 -> int32(e, lt, le.getInt());
        case INT64 -> int64(e, lt, le.getLong());
        case INT96 -> {
          long nanosOfDay = le.getLong();
          int julianDay = le.getInt();
          yield Instant.ofEpochSecond((julianDay - 2_440_588L) * 86_400L, 0).plusNanos(nanosOfDay);
        }
        case FLOAT -> le.getFloat();
        case DOUBLE -> le.getDouble();
        case BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY -> binary(e, lt, b);
      };
    } catch (RuntimeException ex) {
      return null;
    }
  }

  private static boolean isDecimal(SchemaElement e, LogicalType lt) {
    return lt != null ? lt.isSetDECIMAL() : e.isSetConverted_type() && e.getConverted_type() == org.apache.parquet.format.ConvertedType.DECIMAL;
  }

  private static int scale(SchemaElement e, LogicalType lt) {
    return lt != null && lt.isSetDECIMAL() ? lt.getDECIMAL().getScale() : e.getScale();
  }

  private static Comparable<?> int32(SchemaElement e, LogicalType lt, int v) {
    if (isDecimal(e, lt)) {
      return BigDecimal.valueOf(v, scale(e, lt));
    }
    if (lt != null && lt.isSetDATE() || e.isSetConverted_type() && e.getConverted_type() == org.apache.parquet.format.ConvertedType.DATE) {
      return LocalDate.ofEpochDay(v);
    }
    if (lt != null && lt.isSetTIME()) {
      return LocalTime.ofNanoOfDay(v * 1_000_000L);
    }
    if (lt != null && lt.isSetINTEGER() && !lt.getINTEGER().isIsSigned()) {
      return Integer.toUnsignedLong(v);
    }
    return (long) v;
  }

  private static Comparable<?> int64(SchemaElement e, LogicalType lt, long v) {
    if (isDecimal(e, lt)) {
      return BigDecimal.valueOf(v, scale(e, lt));
    }
    if (lt != null && lt.isSetTIMESTAMP()) {
      Instant at = instant(v, lt.getTIMESTAMP().getUnit());
      return lt.getTIMESTAMP().isIsAdjustedToUTC() ? at : at.atOffset(ZoneOffset.UTC).toLocalDateTime();
    }
    if (e.isSetConverted_type() && lt == null) {
      switch (e.getConverted_type()) {
        case TIMESTAMP_MILLIS:
          return Instant.ofEpochMilli(v);
        case TIMESTAMP_MICROS:
          return Instant.ofEpochSecond(Math.floorDiv(v, 1_000_000L), Math.floorMod(v, 1_000_000L) * 1000L);
        default:
          break;
      }
    }
    if (lt != null && lt.isSetTIME()) {
      TimeUnit u = lt.getTIME().getUnit();
      return LocalTime.ofNanoOfDay(u.isSetNANOS() ? v : v * 1000L);
    }
    if (lt != null && lt.isSetINTEGER() && !lt.getINTEGER().isIsSigned()) {
      return new BigInteger(Long.toUnsignedString(v));
    }
    return v;
  }

  private static Instant instant(long v, TimeUnit u) {
    if (u.isSetMILLIS()) {
      return Instant.ofEpochMilli(v);
    }
    if (u.isSetMICROS()) {
      return Instant.ofEpochSecond(Math.floorDiv(v, 1_000_000L), Math.floorMod(v, 1_000_000L) * 1000L);
    }
    return Instant.ofEpochSecond(Math.floorDiv(v, 1_000_000_000L), Math.floorMod(v, 1_000_000_000L));
  }

  private static Comparable<?> binary(SchemaElement e, LogicalType lt, byte[] b) {
    if (isDecimal(e, lt)) {
      return new BigDecimal(new BigInteger(b), scale(e, lt));
    }
    if (lt != null && lt.isSetUUID() && b.length == 16) {
      ByteBuffer bb = ByteBuffer.wrap(b);
      return new UUID(bb.getLong(), bb.getLong()).toString();
    }
    boolean text = lt != null ? lt.isSetSTRING() || lt.isSetENUM() || lt.isSetJSON()
        : e.isSetConverted_type() && (e.getConverted_type() == org.apache.parquet.format.ConvertedType.UTF8
            || e.getConverted_type() == org.apache.parquet.format.ConvertedType.ENUM
            || e.getConverted_type() == org.apache.parquet.format.ConvertedType.JSON);
    return text ? new String(b, StandardCharsets.UTF_8) : "0x" + HexFormat.of().formatHex(b);
  }

  /** A decoded value as JSON: numbers and booleans as they are, everything else as its string. */
  public static Object json(Comparable<?> v) {
    if (v == null || v instanceof Number || v instanceof Boolean || v instanceof String) {
      return v;
    }
    return v.toString();
  }

  /** The smaller (or larger) of two decoded values of one column; null when they do not compare. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Comparable<?> pick(Comparable<?> a, Comparable<?> b, boolean min) {
    if (a == null || b == null) {
      return null;
    }
    if (a.getClass() != b.getClass()) {
      return null;
    }
    int c = ((Comparable) a).compareTo(b);
    return min ? (c <= 0 ? a : b) : (c >= 0 ? a : b);
  }
}
