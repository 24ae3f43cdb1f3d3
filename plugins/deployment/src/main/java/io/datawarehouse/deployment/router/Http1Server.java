package io.datawarehouse.deployment.router;

import java.io.IOException;
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
 * The router's inbound side: a small blocking HTTP/1.1 server on loopback, one thread per
 * connection (platform or virtual), keep-alive, Content-Length and chunked request bodies, {@code Expect: 100-continue}.
 * Each request is read whole, handed to the handler on the connection's thread, and its answer
 * written with a Content-Length.
 *
 * <p>Threading: the handler is called on the connection's thread, one request at a time per
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
  private final Thread.Builder connThreads;
  private volatile boolean closed;

  /**
   * @param platformThreads a platform thread per connection (a blocking read is one system call,
   *     woken by the kernel) instead of a virtual one (a read that would block parks the thread and
   *     registers the socket with the JDK's poller, which costs more per request; virtual threads
   *     suit many mostly idle connections better)
   */
  Http1Server(int port, Handler handler, long maxBody, Duration idleTimeout, String name, boolean platformThreads)
      throws IOException {
    this.handler = handler;
    this.connThreads = platformThreads ? Thread.ofPlatform().daemon().stackSize(256 * 1024) : Thread.ofVirtual();
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
      try {
        connThreads.name("dw-router-conn-" + port() + "-" + n++).start(() -> serve(s));
      } catch (RuntimeException | OutOfMemoryError e) { // no thread could be made: refuse this connection
        LOG.warn("router: cannot serve a connection on port {}: {}", port(), e.toString());
        open.remove(s);
        try {
          s.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setTcpNoDelay(true);
      s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, idleTimeout.toMillis()));
      Http1Io.Reader in = new Http1Io.Reader(s.getInputStream(), 16 * 1024);
      Http1Io.Writer out = new Http1Io.Writer(s.getOutputStream());
      InetAddress remote = s.getInetAddress();
      boolean keepAlive = true;
      while (keepAlive && !closed) {
        String line = in.line(true);
        if (line == null) {
          return;
        }
        if (line.isEmpty()) {
          continue; // tolerated between requests
        }
        int sp1 = line.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || !line.startsWith("HTTP/1.", sp2 + 1)) {
          writeError(out, 400, "bad request line");
          return;
        }
        String method = line.substring(0, sp1);
        String target = line.substring(sp1 + 1, sp2);
        boolean http10 = line.startsWith("HTTP/1.0", sp2 + 1);
        List<Map.Entry<String, String>> headers = new ArrayList<>(16);
        long length = 0;
        boolean chunked = false;
        boolean expectContinue = false;
        keepAlive = !http10;
        for (String h; !(h = in.line(false)).isEmpty(); ) {
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
          if (name.equalsIgnoreCase("content-length")) {
            try {
              length = Long.parseLong(value);
            } catch (NumberFormatException e) {
              writeError(out, 400, "bad Content-Length");
              return;
            }
          } else if (name.equalsIgnoreCase("transfer-encoding")) {
            chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
          } else if (name.equalsIgnoreCase("connection")) {
            String v = value.toLowerCase(Locale.ROOT);
            keepAlive = v.contains("close") ? false : v.contains("keep-alive") || keepAlive;
          } else if (name.equalsIgnoreCase("expect")) {
            expectContinue = value.equalsIgnoreCase("100-continue");
          }
          headers.add(Map.entry(name, value));
        }
        if (length < 0 || length > maxBody) {
          writeError(out, 413, "request body larger than " + maxBody + " bytes");
          return;
        }
        if (expectContinue) {
          out.text("HTTP/1.1 100 Continue\r\n\r\n").send();
        }
        byte[] body;
        if (chunked) {
          body = in.chunked(maxBody);
        } else {
          body = length == 0 ? NO_BODY : in.bytes((int) length);
          if (body.length < length) {
            return;
          }
        }
        Response r = handler.handle(new Request(method, target, headers, body, remote));
        write(out, method, r, keepAlive);
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

  private static final byte[] NO_BODY = new byte[0];

  private static void write(Http1Io.Writer out, String method, Response r, boolean keepAlive) throws IOException {
    out.text("HTTP/1.1 ").number(r.status()).text(" ").text(reason(r.status())).text("\r\n");
    for (Map.Entry<String, String> h : r.headers()) {
      out.header(h.getKey(), h.getValue());
    }
    boolean noBody = r.status() / 100 == 1 || r.status() == 204 || r.status() == 304;
    if (!noBody) {
      out.text("Content-Length: ").number(r.body().length).text("\r\n");
    }
    if (!keepAlive) {
      out.text("Connection: close\r\n");
    }
    out.text("\r\n");
    if (!noBody && !method.equals("HEAD")) {
      out.bytes(r.body());
    }
    out.send();
  }

  private static void writeError(Http1Io.Writer out, int status, String message) throws IOException {
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
