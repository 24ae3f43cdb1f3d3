package io.datawarehouse.intelligence.memory;

import io.datawarehouse.intelligence.memory.internal.InMemoryBackend;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.provider.BackendFactory;
import io.datawarehouse.sdk.provider.ConnectionString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;

/**
 * A connector for {@code fakemem://} URLs, found by ServiceLoader like a real one: a "service" (an
 * in-memory backend that outlives plugin restarts) that a test can switch off, after which every
 * call fails like a refused connection.
 */
public final class FakeMemoryConnector implements BackendFactory<PersistenceBackend> {
  /** The service's data; reset by tests. */
  public static volatile InMemoryBackend service = new InMemoryBackend(Time.SYSTEM, 1_000_000, 1L << 30);
  public static volatile boolean down;

  public static void reset() {
    service = new InMemoryBackend(Time.SYSTEM, 1_000_000, 1L << 30);
    down = false;
  }

  @Override
  public Class<PersistenceBackend> type() {
    return PersistenceBackend.class;
  }

  @Override
  public Set<String> schemes() {
    return Set.of("fakemem");
  }

  @Override
  public PersistenceBackend connect(ConnectionString target, Config config) throws IOException {
    if (down) {
      throw new IOException("connection refused: " + target.host() + ":" + target.port(0));
    }
    InMemoryBackend data = service;
    return (PersistenceBackend) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {PersistenceBackend.class},
        (proxy, method, args) -> {
          if (method.getName().equals("close")) {
            return null; // the service outlives its clients
          }
          if (method.getName().equals("name")) {
            return "fakemem";
          }
          if (down) {
            throw new UncheckedIOException(new IOException("connection reset"));
          }
          try {
            return method.invoke(data, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
