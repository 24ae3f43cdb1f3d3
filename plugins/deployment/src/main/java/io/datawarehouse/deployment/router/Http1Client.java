package io.datawarehouse.deployment.router;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The router's outbound side: a small blocking HTTP/1.1 client with a keep-alive connection pool
 * per backend, made for virtual threads (one blocking exchange per thread, no selector hand-offs).
 * It sends a fully buffered request and reads the whole answer: Content-Length, chunked (decoded)
 * or until close.
 *
 * <p>A pooled connection the backend closed while idle (or a backend restarted on the same port)
 * shows as an end of stream or a reset before any byte of the answer; that exchange is repeated
 * once on a new connection, and the backend's other idle connections are dropped. Only idempotent
 * methods take a kept-alive connection: a POST or PATCH always opens a new one, so it is never sent
 * twice.
 * Connection failures surface as {@link java.net.ConnectException} (or a connect timeout as {@link
 * SocketTimeoutException} wrapped in {@link ConnectFailed}) so the router can try another backend.
 *
 * <p>Threading: thread-safe; each exchange owns its connection.
 */
final class Http1Client implements AutoCloseable {
  /** At most this many idle connections are kept per backend. */
  private static final int MAX_IDLE = 64;
  private static final int MAX_HEADER_BYTES = 64 * 1024;
  /** Methods sent on a kept-alive connection (and so possibly sent twice); others get a new one. */
  private static final java.util.Set<String> IDEMPOTENT = java.util.Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE",
      "TRACE");

  /** The backend could not be reached: nothing was sent. */
  static final class ConnectFailed extends IOException {
    private static final long serialVersionUID = 1L;

    ConnectFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** One answer. Header names as sent by the backend. */
  record Response(int status, List<Map.Entry<String, String>> headers, byte[] body) {}

  private static final class Conn {
    final InetSocketAddress backend;
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    boolean answered;

    Conn(InetSocketAddress backend, Socket socket) throws IOException {
      this.backend = backend;
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Map<InetSocketAddress, ConcurrentLinkedDeque<Conn>> idle = new ConcurrentHashMap<>();
  private volatile boolean closed;

  Http1Client(Duration connectTimeout, Duration requestTimeout) {
    this.connectTimeout = connectTimeout;
    this.requestTimeout = requestTimeout;
  }

  /**
   * One exchange.
   *
   * @param headers request headers without hop-by-hop ones, Host and Content-Length
   * @throws ConnectFailed when the backend cannot be reached; IOException for a failure after the
   *     request was (perhaps) sent
   */
  Response exchange(InetSocketAddress backend, String method, String target, List<Map.Entry<String, String>> headers,
      byte[] body) throws IOException {
    byte[] head = head(backend, method, target, headers, body.length);
    for (int attempt = 0; ; attempt++) {
      ConcurrentLinkedDeque<Conn> pool = idle.computeIfAbsent(backend, k -> new ConcurrentLinkedDeque<>());
      Conn c = attempt == 0 && IDEMPOTENT.contains(method) ? pool.pollFirst() : null;
      boolean reused = c != null;
      if (c == null) {
        c = connect(backend);
      }
      try {
        c.out.write(head);
        c.out.write(body);
        c.out.flush();
        return read(c, method);
      } catch (IOException e) {
        c.close();
        if (!reused || attempt > 0 || c.answered || e instanceof SocketTimeoutException) {
          throw e instanceof StaleConnection
              ? new EOFException("backend " + backend + " closed the connection without answering") : e;
        }
        // a kept-alive connection the backend had closed (or a backend restarted on the same port):
        // it never saw this request; the other idle ones are likely dead too: send it on a new one
        for (Conn d; (d = pool.pollFirst()) != null; ) {
          d.close();
        }
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
    }
  }

  /** Closes the idle connections. */
  @Override
  public void close() {
    closed = true;
    idle.values().forEach(d -> {
      for (Conn c; (c = d.pollFirst()) != null; ) {
        c.close();
      }
    });
  }

  private Conn connect(InetSocketAddress backend) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(backend, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
      s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis()));
      return new Conn(backend, s);
    } catch (IOException e) {
      s.close();
      throw new ConnectFailed("cannot connect to " + backend + ": " + e, e);
    }
  }

  private static byte[] head(InetSocketAddress backend, String method, String target,
      List<Map.Entry<String, String>> headers, int bodyLength) {
    StringBuilder sb = new StringBuilder(256);
    sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ")
        .append(backend.getHostString()).append(':').append(backend.getPort()).append("\r\n");
    for (Map.Entry<String, String> h : headers) {
      sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (bodyLength > 0 || method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
      sb.append("Content-Length: ").append(bodyLength).append("\r\n");
    }
    sb.append("\r\n");
    return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The end of the stream came before any byte of an answer. */
  private static final class StaleConnection extends IOException {
    private static final long serialVersionUID = 1L;
  }

  private Response read(Conn c, String method) throws IOException {
    String status = Http1Io.line(c.in, true);
    if (status == null) {
      throw new StaleConnection();
    }
    c.answered = true;
    int code;
    int sp = status.indexOf(' ');
    try {
      if (!status.startsWith("HTTP/1.") || sp < 0) {
        throw new NumberFormatException();
      }
      code = Integer.parseInt(status.substring(sp + 1, Math.min(status.length(), sp + 4)));
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw new IOException("bad status line from backend: '" + status + "'");
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    long length = -1;
    boolean chunked = false;
    boolean close = status.startsWith("HTTP/1.0");
    int total = 0;
    for (String h; !(h = Http1Io.line(c.in, false)).isEmpty(); ) {
      total += h.length();
      if (total > MAX_HEADER_BYTES) {
        throw new IOException("backend answer headers exceed " + MAX_HEADER_BYTES + " bytes");
      }
      int colon = h.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = h.substring(0, colon).trim();
      String value = h.substring(colon + 1).trim();
      String lower = name.toLowerCase(Locale.ROOT);
      switch (lower) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> {
          String v = value.toLowerCase(Locale.ROOT);
          close = v.contains("close") ? true : v.contains("keep-alive") ? false : close;
        }
        default -> { }
      }
      headers.add(Map.entry(name, value));
    }
    if (code / 100 == 1) {
      return read(c, method); // skip an interim answer
    }
    byte[] body;
    if (method.equals("HEAD") || code == 204 || code == 304) {
      body = new byte[0];
    } else if (chunked) {
      body = Http1Io.chunked(c.in, Integer.MAX_VALUE - 16);
    } else if (length >= 0) {
      body = c.in.readNBytes((int) length);
      if (body.length < length) {
        throw new EOFException("backend closed after " + body.length + " of " + length + " body bytes");
      }
    } else {
      body = c.in.readAllBytes();
      close = true;
    }
    if (close || closed) {
      c.close();
    } else {
      c.answered = false;
      ConcurrentLinkedDeque<Conn> d = idle.computeIfAbsent(c.backend, k -> new ConcurrentLinkedDeque<>());
      if (d.size() < MAX_IDLE) {
        d.offerFirst(c);
      } else {
        c.close();
      }
    }
    return new Response(code, headers, body);
  }
}
