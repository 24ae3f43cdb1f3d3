package io.datawarehouse.sdk.provider;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds the {@link BackendFactory} for a connection string's scheme and connects. */
public final class Backends {
  private Backends() {}

  /**
   * Connects to {@code target} with the installed factory of {@code type} that serves its scheme.
   *
   * @throws DwException UNAVAILABLE when no installed connector serves the scheme (the provider
   *     pattern treats that like an unreachable service: WARN and fallback)
   * @throws Exception whatever the factory throws when the system is unreachable
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <B> B connect(Class<B> type, ConnectionString target, Config config) throws Exception {
    List<String> available = new ArrayList<>();
    ServiceLoader<BackendFactory> loader = ServiceLoader.load(BackendFactory.class);
    var it = loader.iterator();
    while (true) {
      BackendFactory<?> f;
      try {
        if (!it.hasNext()) {
          break;
        }
        f = it.next();
      } catch (ServiceConfigurationError | LinkageError e) {
        continue; // a broken connector jar must not stop the others; it shows as "not installed"
      }
      if (!f.type().equals(type)) {
        continue;
      }
      available.addAll(f.schemes());
      if (f.schemes().contains(target.scheme())) {
        return ((BackendFactory<B>) f).connect(target, config);
      }
    }
    throw DwException.of(ErrorCode.UNAVAILABLE, "no connector for '" + target.scheme() + "://' URLs is installed for "
        + type.getSimpleName() + (available.isEmpty() ? " (none is installed)" : "; installed schemes: " + available));
  }
}
