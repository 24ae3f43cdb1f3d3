package io.datawarehouse.sdk.provider;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.config.Secrets;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A backend's connection string ({@code redis://:pw@127.0.0.1:6379/0}, {@code
 * postgresql://app@db:5432/dw?sslmode=disable}, {@code s3://bucket?endpoint=http://127.0.0.1:9090}).
 * {@link #toString()} masks the password; {@link #raw()} does not and must only be handed to the
 * client that connects.
 */
public final class ConnectionString {
  private final String raw;
  private final URI uri;
  private final Map<String, String> query;

  private ConnectionString(String raw, URI uri, Map<String, String> query) {
    this.raw = raw;
    this.uri = uri;
    this.query = query;
  }

  /**
   * Parses {@code text}.
   *
   * @throws DwException INVALID_ARGUMENT (with the masked text) when it is not {@code scheme://...}
   */
  public static ConnectionString parse(String text) {
    if (text == null || text.isBlank()) {
      throw DwException.invalidArgument("a connection string is empty; expected scheme://[user[:password]@]host[:port][/path][?options]");
    }
    URI u;
    try {
      u = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw DwException.invalidArgument("'" + Secrets.maskInline(text) + "' is not a connection string: " + e.getReason());
    }
    if (u.getScheme() == null) {
      throw DwException.invalidArgument("'" + Secrets.maskInline(text) + "' has no scheme; expected e.g. redis://127.0.0.1:6379");
    }
    Map<String, String> q = new LinkedHashMap<>();
    String rq = u.getRawQuery();
    if (rq != null && !rq.isEmpty()) {
      for (String part : rq.split("&")) {
        int eq = part.indexOf('=');
        String k = eq < 0 ? part : part.substring(0, eq);
        String v = eq < 0 ? "" : part.substring(eq + 1);
        q.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
      }
    }
    return new ConnectionString(text.trim(), u, Collections.unmodifiableMap(q));
  }

  /** Lower-case scheme ("redis"). */
  public String scheme() {
    return uri.getScheme().toLowerCase(Locale.ROOT);
  }

  /** The host, or null (for {@code s3://bucket} this is the bucket). */
  public String host() {
    return uri.getHost() != null ? uri.getHost() : uri.getAuthority();
  }

  /** The port, or {@code defaultPort} when none is given. */
  public int port(int defaultPort) {
    return uri.getPort() >= 0 ? uri.getPort() : defaultPort;
  }

  /** The user from the user-info, or null. */
  public String user() {
    String ui = uri.getUserInfo();
    if (ui == null) {
      return null;
    }
    int c = ui.indexOf(':');
    String u = c < 0 ? ui : ui.substring(0, c);
    return u.isEmpty() ? null : u;
  }

  /** The password from the user-info, or null. Never log it. */
  public String password() {
    String ui = uri.getUserInfo();
    if (ui == null) {
      return null;
    }
    int c = ui.indexOf(':');
    return c < 0 ? null : ui.substring(c + 1);
  }

  /** The path without the leading slash, or "". */
  public String path() {
    String p = uri.getPath();
    return p == null ? "" : p.startsWith("/") ? p.substring(1) : p;
  }

  /** Query options. */
  public Map<String, String> options() {
    return query;
  }

  public String option(String name, String fallback) {
    return query.getOrDefault(name, fallback);
  }

  public URI uri() {
    return uri;
  }

  /** The connection string as given, password included. Hand it only to the client that connects. */
  public String raw() {
    return raw;
  }

  /** The connection string with its password masked. */
  @Override
  public String toString() {
    return Secrets.maskInline(raw);
  }
}
