package io.datawarehouse.deployment.router;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's inbound side: a small blocking HTTP/1.1 server on loopback, one virtual thread per
 * connection, keep-alive, Content-Length and chunked request bodies, {@code Expect: 100-continue}.
 * Each request is read whole, handed to the handler on the connection's thread, and its answer
 * written with a Content-Length.
 *
 * <p>Threading: the handler is called on the connection's virtual thread, one request at a time per
 * connection.
 */
final class Http1Server implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Http1Server.class);
  private static final int MAX_HEADERS = 100;

  /** A request. Header names as the client sent them. */
  record Request(String method, String target, List<Map.Entry<String, String>> headers, byte[] body,
      InetAddress remote) {
    /** The first value of a header, by case-insensitive name, or null. */
    String header(String name) {
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue();
        }
      }
      return null;
    }
  }

  /** An answer. */
  record Response(int status, List<Map.Entry<String, String>> headers, byte[] body) {}

  /** Handles one request; must not throw for a bad upstream (answer 502 instead). */
  interface Handler {
    Response handle(Request request) throws IOException;
  }

  private final ServerSocket server;
  private final Handler handler;
  private final long maxBody;
  private final Duration idleTimeout;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean closed;

  Http1Server(int port, Handler handler, long maxBody, Duration idleTimeout, String name) throws IOException {
    this.handler = handler;
    this.maxBody = maxBody;
    this.idleTimeout = idleTimeout;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
    this.acceptor = Thread.ofVirtual().name(name + "-accept").start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    int n = 0;
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("router: accept on port {} failed: {}", port(), e.toString());
        }
        continue;
      }
      open.add(s);
      Thread.ofVirtual().name("dw-router-conn-" + port() + "-" + n++).start(() -> serve(s));
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setTcpNoDelay(true);
      s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, idleTimeout.toMillis()));
      InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
      OutputStream out = new BufferedOutputStream(s.getOutputStream(), 16 * 1024);
      InetAddress remote = s.getInetAddress();
      boolean keepAlive = true;
      while (keepAlive && !closed) {
        String line = Http1Io.line(in, true);
        if (line == null) {
          return;
        }
        if (line.isEmpty()) {
          continue; // tolerated between requests
        }
        String[] parts = line.split(" ", 3);
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
          writeError(out, 400, "bad request line");
          return;
        }
        boolean http10 = parts[2].equals("HTTP/1.0");
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        long length = 0;
        boolean chunked = false;
        boolean expectContinue = false;
        keepAlive = !http10;
        for (String h; !(h = Http1Io.line(in, false)).isEmpty(); ) {
          if (headers.size() >= MAX_HEADERS) {
            writeError(out, 431, "too many headers");
            return;
          }
          int colon = h.indexOf(':');
          if (colon <= 0) {
            writeError(out, 400, "bad header line");
            return;
          }
          String name = h.substring(0, colon).trim();
          String value = h.substring(colon + 1).trim();
          switch (name.toLowerCase(Locale.ROOT)) {
            case "content-length" -> {
              try {
                length = Long.parseLong(value);
              } catch (NumberFormatException e) {
                writeError(out, 400, "bad Content-Length");
                return;
              }
            }
            case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
            case "connection" -> {
              String v = value.toLowerCase(Locale.ROOT);
              keepAlive = v.contains("close") ? false : v.contains("keep-alive") || keepAlive;
            }
            case "expect" -> expectContinue = value.equalsIgnoreCase("100-continue");
            default -> { }
          }
          headers.add(Map.entry(name, value));
        }
        if (length < 0 || length > maxBody) {
          writeError(out, 413, "request body larger than " + maxBody + " bytes");
          return;
        }
        if (expectContinue) {
          out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
        byte[] body;
        if (chunked) {
          body = Http1Io.chunked(in, maxBody);
        } else {
          body = in.readNBytes((int) length);
          if (body.length < length) {
            return;
          }
        }
        Response r = handler.handle(new Request(parts[0], parts[1], headers, body, remote));
        write(out, parts[0], r, keepAlive);
      }
    } catch (SocketTimeoutException e) {
      // idle keep-alive connection: close it
    } catch (IOException e) {
      if (!closed) {
        LOG.debug("router: connection on port {} ended: {}", port(), e.toString());
      }
    } finally {
      open.remove(s);
    }
  }

  private static void write(OutputStream out, String method, Response r, boolean keepAlive) throws IOException {
    StringBuilder sb = new StringBuilder(256);
    sb.append("HTTP/1.1 ").append(r.status()).append(' ').append(reason(r.status())).append("\r\n");
    for (Map.Entry<String, String> h : r.headers()) {
      sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    boolean noBody = r.status() / 100 == 1 || r.status() == 204 || r.status() == 304;
    if (!noBody) {
      sb.append("Content-Length: ").append(r.body().length).append("\r\n");
    }
    if (!keepAlive) {
      sb.append("Connection: close\r\n");
    }
    sb.append("\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!noBody && !method.equals("HEAD")) {
      out.write(r.body());
    }
    out.flush();
  }

  private static void writeError(OutputStream out, int status, String message) throws IOException {
    write(out, "GET", new Response(status, List.of(Map.entry("Content-Type", "text/plain; charset=utf-8")),
        (message + "\n").getBytes(StandardCharsets.UTF_8)), false);
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 204 -> "No Content";
      case 301 -> "Moved Permanently";
      case 302 -> "Found";
      case 304 -> "Not Modified";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 413 -> "Content Too Large";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Status";
    };
  }

  /** Stops accepting and closes every connection. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    try {
      acceptor.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
