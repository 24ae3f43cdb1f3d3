package io.datawarehouse.intelligence.schema;

import io.datawarehouse.intelligence.schema.internal.ParquetValues;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Util;

/**
 * Reads a Parquet file's schema, row groups and column statistics from its footer, without
 * reading any data page.
 *
 * <h2>How</h2>
 * A Parquet file ends with the footer (Thrift {@code FileMetaData}), its 4-byte little-endian
 * length and the magic {@code PAR1}. We check both magics, read the footer bytes and let
 * parquet-java's {@code parquet-format-structures} ({@link Util#readFileMetaData}) decode the
 * Thrift; that artifact is the footer's generated classes with Thrift shaded inside, and needs
 * neither Hadoop nor any codec, which is why it is used rather than {@code parquet-hadoop}. The
 * flat schema list (each group followed by its {@code num_children} children, depth first) is
 * walked into column paths with their repetition and definition levels; statistics are decoded
 * with the column's logical type ({@link ParquetValues}) and combined across row groups.
 *
 * <p>Statistics: {@code min_value}/{@code max_value} are used; the deprecated {@code min}/{@code
 * max} only for numeric types (their order was signed, wrong for strings). Distinct counts are
 * reported only when the file has one row group (they cannot be added up).
 *
 * <p>Thread-safe (stateless).
 */
public final class ParquetSchemas {
  private static final int MAGIC_LENGTH = 4;
  private static final byte[] MAGIC = {'P', 'A', 'R', '1'};
  private static final byte[] ENCRYPTED_MAGIC = {'P', 'A', 'R', 'E'};
  private static final int MAX_FOOTER = 256 << 20;

  private ParquetSchemas() {}

  /**
   * The schema of {@code file}, with feature types inferred.
   *
   * @throws DwException NOT_FOUND when the file does not exist; INVALID_ARGUMENT when it is not a
   *     Parquet file; INTEGRITY when its footer is damaged; UNSUPPORTED for an encrypted footer
   */
  public static DatasetSchema read(Path file) {
    FileMetaData md = footer(file);
    List<SchemaElement> schema = md.getSchema();
    if (schema == null || schema.isEmpty()) {
      throw DwException.integrity(file + ": the Parquet footer has no schema");
    }
    List<Leaf> leaves = new ArrayList<>();
    int[] pos = {1};
    walk(schema, pos, schema.get(0).getNum_children(), new ArrayList<>(), 0, 0, false, leaves, file);
    if (pos[0] != schema.size()) {
      throw DwException.integrity(file + ": the Parquet schema lists " + schema.size() + " elements but its groups account for " + pos[0]);
    }
    List<DatasetSchema.RowGroup> groups = new ArrayList<>();
    List<RowGroup> rgs = md.getRow_groups() == null ? List.of() : md.getRow_groups();
    for (int i = 0; i < rgs.size(); i++) {
      RowGroup rg = rgs.get(i);
      if (rg.getColumns().size() != leaves.size()) {
        throw DwException.integrity(file + ": row group " + i + " has " + rg.getColumns().size() + " column chunks; the schema has "
            + leaves.size() + " columns");
      }
      groups.add(new DatasetSchema.RowGroup(i, rg.getNum_rows(), rg.getTotal_byte_size(),
          rg.isSetTotal_compressed_size() ? rg.getTotal_compressed_size() : -1));
    }
    List<ColumnSchema> columns = new ArrayList<>();
    for (int c = 0; c < leaves.size(); c++) {
      Leaf l = leaves.get(c);
      List<ColumnMetaData> chunks = new ArrayList<>();
      for (RowGroup rg : rgs) {
        ColumnChunk cc = rg.getColumns().get(c);
        if (!cc.isSetMeta_data()) {
          throw DwException.unsupported(file + ": column " + String.join(".", l.path) + " keeps its metadata outside the footer "
              + "(encrypted columns), which this reader does not decrypt");
        }
        chunks.add(cc.getMeta_data());
      }
      columns.add(column(l, chunks, file));
    }
    return new DatasetSchema(file.toString(), "parquet", md.getNum_rows(), true, columns, List.of(), groups,
        md.getCreated_by(), List.of()).withFeatures();
  }

  private static FileMetaData footer(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 2L * MAGIC_LENGTH + 4) {
        throw DwException.invalidArgument(file + " is not a Parquet file: it has " + size + " bytes");
      }
      ByteBuffer head = ByteBuffer.allocate(MAGIC_LENGTH);
      ch.read(head, 0);
      ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(tail, size - 8);
      byte[] tailMagic = Arrays.copyOfRange(tail.array(), 4, 8);
      if (Arrays.equals(tailMagic, ENCRYPTED_MAGIC)) {
        throw DwException.unsupported(file + " has an encrypted Parquet footer (PARE), which this reader does not decrypt");
      }
      if (!Arrays.equals(head.array(), MAGIC) || !Arrays.equals(tailMagic, MAGIC)) {
        throw DwException.invalidArgument(file + " is not a Parquet file: expected the magic PAR1 at its start and end");
      }
      int len = tail.getInt(0);
      if (len <= 0 || len > MAX_FOOTER || len > size - 2L * MAGIC_LENGTH - 4) {
        throw DwException.integrity(file + ": the Parquet footer length " + len + " does not fit in a file of " + size + " bytes");
      }
      ByteBuffer f = ByteBuffer.allocate(len);
      long at = size - 8 - len;
      while (f.hasRemaining()) {
        if (ch.read(f, at + f.position()) < 0) {
          throw DwException.integrity(file + ": the file ended inside its Parquet footer");
        }
      }
      try {
        return Util.readFileMetaData(new ByteArrayInputStream(f.array()));
      } catch (IOException | RuntimeException e) {
        throw DwException.integrity(file + ": the Parquet footer cannot be decoded: " + e.getMessage(), e);
      }
    } catch (NoSuchFileException e) {
      throw DwException.notFound("no such file: " + file);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private record Leaf(List<String> path, SchemaElement element, boolean nullable, boolean repeated) {}

  private static void walk(List<SchemaElement> schema, int[] pos, int children, List<String> prefix, int defLevel, int repLevel,
      boolean nullable, List<Leaf> out, Path file) {
    for (int i = 0; i < children; i++) {
      if (pos[0] >= schema.size()) {
        throw DwException.integrity(file + ": the Parquet schema ends inside a group");
      }
      SchemaElement e = schema.get(pos[0]++);
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getName());
      FieldRepetitionType rep = e.isSetRepetition_type() ? e.getRepetition_type() : FieldRepetitionType.REQUIRED;
      boolean opt = nullable || rep == FieldRepetitionType.OPTIONAL;
      int rl = repLevel + (rep == FieldRepetitionType.REPEATED ? 1 : 0);
      int dl = defLevel + (rep == FieldRepetitionType.REQUIRED ? 0 : 1);
      if (e.getNum_children() > 0) {
        walk(schema, pos, e.getNum_children(), path, dl, rl, opt, out, file);
      } else {
        if (!e.isSetType()) {
          throw DwException.integrity(file + ": Parquet column " + String.join(".", path) + " has no physical type");
        }
        out.add(new Leaf(path, e, opt, rl > 0));
      }
    }
  }

  private static ColumnSchema column(Leaf l, List<ColumnMetaData> chunks, Path file) {
    SchemaElement e = l.element;
    Long values = 0L;
    Long nulls = 0L;
    Long distinct = null;
    Comparable<?> min = null;
    Comparable<?> max = null;
    boolean first = true;
    boolean dictionary = !chunks.isEmpty();
    Set<String> encodings = new LinkedHashSet<>();
    long compressed = 0;
    long uncompressed = 0;
    for (ColumnMetaData m : chunks) {
      values += m.getNum_values();
      compressed += m.getTotal_compressed_size();
      uncompressed += m.getTotal_uncompressed_size();
      for (Encoding enc : m.getEncodings()) {
        encodings.add(enc.name());
      }
      dictionary &= m.isSetDictionary_page_offset() || m.getEncodings().contains(Encoding.PLAIN_DICTIONARY)
          || m.getEncodings().contains(Encoding.RLE_DICTIONARY);
      Statistics st = m.isSetStatistics() ? m.getStatistics() : null;
      if (st == null) {
        nulls = null;
        min = null;
        max = null;
        first = false;
        continue;
      }
      nulls = nulls == null || !st.isSetNull_count() ? null : nulls + st.getNull_count();
      if (chunks.size() == 1 && st.isSetDistinct_count()) {
        distinct = st.getDistinct_count();
      }
      byte[] lo = st.isSetMin_value() ? st.getMin_value() : legacyOk(e) && st.isSetMin() ? st.getMin() : null;
      byte[] hi = st.isSetMax_value() ? st.getMax_value() : legacyOk(e) && st.isSetMax() ? st.getMax() : null;
      Comparable<?> cmin = ParquetValues.decode(e, lo);
      Comparable<?> cmax = ParquetValues.decode(e, hi);
      if (first) {
        min = cmin;
        max = cmax;
        first = false;
      } else {
        min = ParquetValues.pick(min, cmin, true);
        max = ParquetValues.pick(max, cmax, false);
      }
    }
    Integer precision = null;
    Integer scale = null;
    LogicalType lt = e.isSetLogicalType() ? e.getLogicalType() : null;
    if (lt != null && lt.isSetDECIMAL()) {
      precision = lt.getDECIMAL().getPrecision();
      scale = lt.getDECIMAL().getScale();
    } else if (e.isSetPrecision()) {
      precision = e.getPrecision();
      scale = e.isSetScale() ? e.getScale() : 0;
    } else if (e.isSetType_length()) {
      precision = e.getType_length();
    }
    ColumnStatistics stats = new ColumnStatistics(values, nulls, distinct, ParquetValues.json(min), ParquetValues.json(max),
        dictionary, List.copyOf(encodings), compressed, uncompressed, null, 0);
    String repetition = e.isSetRepetition_type() ? e.getRepetition_type().name() : "REQUIRED";
    return new ColumnSchema(String.join(".", l.path), List.copyOf(l.path), e.getType().name(), logical(e), repetition,
        l.nullable, l.repeated, precision, scale, stats);
  }

  /** The deprecated min/max fields used a signed order: trustworthy for numbers only. */
  private static boolean legacyOk(SchemaElement e) {
    return switch (e.getType()) {
      case BOOLEAN, INT32, INT64, FLOAT, DOUBLE -> !(e.isSetLogicalType() && e.getLogicalType().isSetINTEGER()
          && !e.getLogicalType().getINTEGER().isIsSigned());
      default -> false;
    };
  }

  /** The logical type as text ("STRING", "DECIMAL(10,2)", "TIMESTAMP(MICROS,utc=true)"), or null. */
  static String logical(SchemaElement e) {
    if (e.isSetLogicalType()) {
      LogicalType lt = e.getLogicalType();
      if (lt.isSetDECIMAL()) {
        return "DECIMAL(" + lt.getDECIMAL().getPrecision() + "," + lt.getDECIMAL().getScale() + ")";
      }
      if (lt.isSetTIMESTAMP()) {
        return "TIMESTAMP(" + lt.getTIMESTAMP().getUnit().getSetField().name() + ",utc=" + lt.getTIMESTAMP().isIsAdjustedToUTC() + ")";
      }
      if (lt.isSetTIME()) {
        return "TIME(" + lt.getTIME().getUnit().getSetField().name() + ",utc=" + lt.getTIME().isIsAdjustedToUTC() + ")";
      }
      if (lt.isSetINTEGER()) {
        return "INT(" + lt.getINTEGER().getBitWidth() + "," + (lt.getINTEGER().isIsSigned() ? "signed" : "unsigned") + ")";
      }
      return lt.getSetField().name();
    }
    if (e.isSetConverted_type()) {
      return switch (e.getConverted_type()) {
        case UTF8 -> "STRING";
        case DECIMAL -> "DECIMAL(" + e.getPrecision() + "," + e.getScale() + ")";
        case TIMESTAMP_MILLIS -> "TIMESTAMP(MILLIS,utc=true)";
        case TIMESTAMP_MICROS -> "TIMESTAMP(MICROS,utc=true)";
        case INT_8, INT_16, INT_32, INT_64 -> "INT(" + e.getConverted_type().name().substring(4) + ",signed)";
        case UINT_8, UINT_16, UINT_32, UINT_64 -> "INT(" + e.getConverted_type().name().substring(5) + ",unsigned)";
        default -> e.getConverted_type().name().toUpperCase(Locale.ROOT);
      };
    }
    return null;
  }
}
