package io.datawarehouse.sdk.provider;

import io.datawarehouse.sdk.config.Config;
import java.util.Set;

/**
 * Creates a real client for one kind of external system, implementing a plugin's backend SPI
 * {@code B}. Lives in a connector module and is found with {@link java.util.ServiceLoader} (list it
 * in {@code META-INF/services/io.datawarehouse.sdk.provider.BackendFactory}); plugins never name
 * the class. See {@link Backends#connect}.
 *
 * @param <B> the plugin's backend SPI
 */
public interface BackendFactory<B> {

  /** The SPI this factory implements. */
  Class<B> type();

  /** The URL schemes it serves ("redis", "rediss"). */
  Set<String> schemes();

  /**
   * Connects. Must fail (not hang) within the client's connect timeout when the system is
   * unreachable.
   *
   * @param target the connection string
   * @param config the backend's configuration section (for client options)
   */
  B connect(ConnectionString target, Config config) throws Exception;
}
