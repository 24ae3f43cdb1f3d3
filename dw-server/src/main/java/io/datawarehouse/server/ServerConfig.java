package io.datawarehouse.server;

import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;

/** The {@code server} section of dw.yaml. */
public final class ServerConfig {
  private ServerConfig() {}

  /** Keys: host, port. */
  public static ConfigDef def() {
    return ConfigDef.builder()
        .define("host", ConfigDef.Type.STRING, "127.0.0.1", Validators.nonBlank(), "address the HTTP API listens on")
        .integer("port", 8080, Validators.port(), "port of the HTTP API (0: any free port)")
        .build();
  }
}
