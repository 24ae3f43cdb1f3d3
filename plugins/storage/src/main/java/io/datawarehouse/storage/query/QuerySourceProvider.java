package io.datawarehouse.storage.query;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Opens query sources for the URLs it accepts. Connectors list their implementation in
 * {@code META-INF/services/io.datawarehouse.storage.query.QuerySourceProvider}.
 */
public interface QuerySourceProvider {

  /** A short name for messages ("jdbc"). */
  String name();

  /** Whether this provider serves {@code url} ("jdbc:postgresql://..."). */
  boolean accepts(String url);

  /**
   * Opens the source. It must not fail because the database is down (that shows in {@link
   * QuerySource#probe()} and in each query's error), only for bad configuration.
   *
   * @param name the source's name
   * @param config the source's section, validated by the plugin's source definition
   */
  QuerySource open(String name, Config config);

  /**
   * The provider that accepts {@code url}.
   *
   * @throws DwException INVALID_ARGUMENT naming the installed providers when none does
   */
  static QuerySourceProvider forUrl(String url, ClassLoader loader) {
    List<String> names = new ArrayList<>();
    for (QuerySourceProvider p : ServiceLoader.load(QuerySourceProvider.class, loader)) {
      if (p.accepts(url)) {
        return p;
      }
      names.add(p.name());
    }
    String scheme = url == null ? "" : url.replaceAll("^(jdbc:[a-z0-9]+|[a-z0-9+]+):.*$", "$1");
    throw DwException.invalidArgument("no query source provider accepts '" + scheme + ":' URLs; installed: " + names
        + (scheme.startsWith("jdbc") ? " (add the dw-connector-jdbc jar and the database's JDBC driver)" : ""));
  }
}
