package io.datawarehouse.server.cli.intelligence;

import io.datawarehouse.intelligence.schema.ColumnSchema;
import io.datawarehouse.intelligence.schema.DatasetSchema;
import io.datawarehouse.intelligence.schema.JdbcSchemas;
import io.datawarehouse.intelligence.schema.ParquetSchemas;
import io.datawarehouse.server.cli.CliSupport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dw intel schema FILE.parquet} and {@code dw intel schema --jdbc URL --table T}: a
 * dataset's schema and the inferred feature type of each column. Works without starting the
 * plugin: it reads the file or the database directly.
 */
@Command(name = "schema", mixinStandardHelpOptions = true,
    description = {"Print a Parquet file's or a database table's schema with inferred feature types.",
        "Parquet: from the footer only (no data is read). JDBC: catalog metadata plus a profile of the first rows."})
public final class IntelSchemaCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", paramLabel = "FILE.parquet") Path file;
  @Option(names = "--jdbc", paramLabel = "URL", description = "a JDBC URL (jdbc:postgresql://host:5432/db?user=u)") String jdbc;
  @Option(names = "--table", paramLabel = "T", description = "table or schema.table") String table;
  @Option(names = "--query", paramLabel = "SQL", description = "a query instead of a table") String query;
  @Option(names = "--user") String user;
  @Option(names = "--password", interactive = true, arity = "0..1", description = "prompted for when given without a value")
  char[] password;
  @Option(names = "--profile-rows", description = "rows profiled over JDBC for the inference (default 10000, 0 = none)")
  int profileRows = 10_000;
  @Option(names = "--json", description = "print the schema as JSON") boolean json;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CliSupport cli = CliSupport.of(spec);
    DatasetSchema s;
    if (file != null) {
      if (jdbc != null || table != null || query != null) {
        throw new CliSupport.CommandFailure("give a Parquet file or --jdbc, not both");
      }
      s = ParquetSchemas.read(file);
    } else {
      if (jdbc == null || (table == null) == (query == null)) {
        throw new CliSupport.CommandFailure("give FILE.parquet, or --jdbc URL with exactly one of --table and --query");
      }
      Properties p = new Properties();
      if (user != null) {
        p.setProperty("user", user);
      }
      if (password != null) {
        p.setProperty("password", new String(password));
      }
      s = table != null ? JdbcSchemas.table(jdbc, p, table, profileRows) : JdbcSchemas.query(jdbc, p, query, profileRows);
    }
    if (json) {
      cli.printJson(s);
      return CliSupport.EXIT_OK;
    }
    cli.out().println(s.source() + " (" + s.format() + ", " + (s.rowCount() < 0 ? "row count unknown"
        : (s.rowCountExact() ? "" : "~") + s.rowCount() + " rows") + (s.rowGroups().isEmpty() ? "" : ", " + s.rowGroups().size() + " row groups")
        + (s.createdBy() == null ? "" : ", " + s.createdBy()) + ")");
    if (!s.primaryKey().isEmpty()) {
      cli.out().println("primary key " + s.primaryKey());
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("column", "type", "logical", "null", "nulls", "distinct", "min", "max", "feature", "why"));
    for (int i = 0; i < s.columns().size(); i++) {
      ColumnSchema c = s.columns().get(i);
      DatasetSchema.Feature f = s.features().get(i);
      var st = c.statistics();
      rows.add(List.of(c.name() + (c.repeated() ? "[]" : ""), c.physicalType(), String.valueOf(c.logicalType()), c.nullable() ? "yes" : "no",
          st == null || st.nullCount() == null ? "" : st.nullCount().toString(),
          st == null || st.distinctCount() == null ? "" : st.distinctCount().toString(),
          st == null || st.min() == null ? "" : abbreviate(st.min().toString()), st == null || st.max() == null ? "" : abbreviate(st.max().toString()),
          f.type().wire(), String.join("; ", f.reasons())));
    }
    cli.printTable(rows);
    return CliSupport.EXIT_OK;
  }

  private static String abbreviate(String s) {
    return s.length() <= 24 ? s : s.substring(0, 21) + "...";
  }
}
