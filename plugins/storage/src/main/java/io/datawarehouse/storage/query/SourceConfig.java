package io.datawarehouse.storage.query;

import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;

/** The definition of one entry of {@code storage.sources}: shared by the plugin and the providers. */
public final class SourceConfig {
  /** Keys of a data source. */
  public static final ConfigDef DEF = ConfigDef.builder()
      .required("url", ConfigDef.Type.STRING, Validators.nonBlank(), "connection URL, e.g. jdbc:postgresql://127.0.0.1:5432/db")
      .string("user", null, "user name")
      .password("password", "password (or from the environment: DW_STORAGE_SOURCES_<NAME>_PASSWORD)")
      .integer("poolSize", 4, Validators.range(1, 64), "connections kept in the pool at most")
      .duration("connectTimeout", "5s", "how long a query waits for a connection")
      .duration("defaultTimeout", "5s", "statement timeout when a request gives none")
      .duration("maxTimeout", "60s", "the longest statement timeout a request may ask for")
      .integer("defaultMaxRows", 1000, Validators.range(1, 1_000_000), "row cap when a request gives none")
      .integer("maxRowsLimit", 10_000, Validators.range(1, 1_000_000), "the largest row cap a request may ask for")
      .build();

  private SourceConfig() {}
}
