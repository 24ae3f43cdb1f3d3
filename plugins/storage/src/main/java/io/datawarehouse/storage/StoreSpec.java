package io.datawarehouse.storage;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Config;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a provider needs to open a store.
 *
 * @param name the store's configured name
 * @param url the connection string, or null ({@code s3://bucket}, {@code azure-blob://container})
 * @param options the store's options, validated against {@link ObjectStoreProvider#configDef()}
 * @param dataDir a directory the store may use for its own files (the local store keeps its
 *     objects there)
 * @param time the time source (retention checks)
 */
public record StoreSpec(String name, String url, Config options, Path dataDir, Time time) {
  /**
   * The store's target (bucket, container): the host of a {@code scheme://target} url when one is
   * given, else {@code fromOptions}.
   *
   * @throws io.datawarehouse.sdk.DwException INVALID_ARGUMENT when neither gives one
   */
  public String target(String scheme, String fromOptions, String what) {
    String t = fromOptions;
    if (url != null && !url.isBlank()) {
      java.net.URI u = java.net.URI.create(url);
      if (!scheme.equals(u.getScheme()) || u.getHost() == null) {
        throw io.datawarehouse.sdk.DwException.invalidArgument("store '" + name + "': url must be " + scheme + "://" + what
            + ", was '" + url + "'");
      }
      t = u.getHost();
    }
    if (t == null || t.isBlank()) {
      throw io.datawarehouse.sdk.DwException.invalidArgument("store '" + name + "': no " + what + "; set options." + what
          + " or url: " + scheme + "://" + what);
    }
    return t;
  }

  public StoreSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(time, "time");
  }
}
