package io.datawarehouse.deployment.router;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The router's outbound side: a small blocking HTTP/1.1 client with a keep-alive connection pool
 * per backend, used on the caller's thread (one blocking exchange per thread, no selector hand-offs).
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
    final Http1Io.Reader in;
    final Http1Io.Writer out;
    boolean answered;

    Conn(InetSocketAddress backend, Socket socket) throws IOException {
      this.backend = backend;
      this.socket = socket;
      this.in = new Http1Io.Reader(socket.getInputStream(), 16 * 1024);
      this.out = new Http1Io.Writer(socket.getOutputStream());
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
  private final long maxBody;
  private final Map<InetSocketAddress, ConcurrentLinkedDeque<Conn>> idle = new ConcurrentHashMap<>();
  private volatile boolean closed;

  Http1Client(Duration connectTimeout, Duration requestTimeout, long maxBody) {
    this.maxBody = Math.min(maxBody, Integer.MAX_VALUE - 16);
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
    ConcurrentLinkedDeque<Conn> pool = pool(backend);
    for (int attempt = 0; ; attempt++) {
      Conn c = attempt == 0 && idempotent(method) ? pool.pollFirst() : null;
      boolean reused = c != null;
      if (c == null) {
        c = connect(backend);
      }
      try {
        head(c.out, backend, method, target, headers, body.length);
        c.out.bytes(body).send();
        return read(c, method, pool);
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

  private ConcurrentLinkedDeque<Conn> pool(InetSocketAddress backend) {
    ConcurrentLinkedDeque<Conn> d = idle.get(backend);
    return d != null ? d : idle.computeIfAbsent(backend, k -> new ConcurrentLinkedDeque<>());
  }

  /** Methods sent on a kept-alive connection (and so possibly sent twice); others get a new one. */
  private static boolean idempotent(String method) {
    return switch (method) {
      case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE" -> true;
      default -> false;
    };
  }

  private static void head(Http1Io.Writer out, InetSocketAddress backend, String method, String target,
      List<Map.Entry<String, String>> headers, int bodyLength) {
    out.text(method).text(" ").text(target).text(" HTTP/1.1\r\nHost: ").text(backend.getHostString()).text(":")
        .number(backend.getPort()).text("\r\n");
    for (Map.Entry<String, String> h : headers) {
      out.header(h.getKey(), h.getValue());
    }
    if (bodyLength > 0 || method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
      out.text("Content-Length: ").number(bodyLength).text("\r\n");
    }
    out.text("\r\n");
  }

  /** The end of the stream came before any byte of an answer. */
  private static final class StaleConnection extends IOException {
    private static final long serialVersionUID = 1L;
  }

  private Response read(Conn c, String method, ConcurrentLinkedDeque<Conn> pool) throws IOException {
    String status = c.in.line(true);
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
    List<Map.Entry<String, String>> headers = new ArrayList<>(12);
    long length = -1;
    boolean chunked = false;
    boolean close = status.startsWith("HTTP/1.0");
    int total = 0;
    for (String h; !(h = c.in.line(false)).isEmpty(); ) {
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
      if (name.equalsIgnoreCase("content-length")) {
        try {
          length = Long.parseLong(value);
        } catch (NumberFormatException e) {
          throw new IOException("bad Content-Length from backend: '" + value + "'");
        }
      } else if (name.equalsIgnoreCase("transfer-encoding")) {
        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
      } else if (name.equalsIgnoreCase("connection")) {
        String v = value.toLowerCase(Locale.ROOT);
        close = v.contains("close") ? true : v.contains("keep-alive") ? false : close;
      }
      headers.add(Map.entry(name, value));
    }
    if (code / 100 == 1) {
      return read(c, method, pool); // skip an interim answer
    }
    byte[] body;
    if (method.equals("HEAD") || code == 204 || code == 304) {
      body = new byte[0];
    } else if (chunked) {
      body = c.in.chunked(maxBody);
    } else if (length >= 0) {
      if (length > maxBody) {
        throw new IOException("backend answer body of " + length + " bytes exceeds " + maxBody);
      }
      body = c.in.bytes((int) length);
      if (body.length < length) {
        throw new EOFException("backend closed after " + body.length + " of " + length + " body bytes");
      }
    } else {
      body = c.in.rest(maxBody);
      close = true;
    }
    if (close || closed) {
      c.close();
    } else {
      c.answered = false;
      if (c.in.buffered()) { // bytes after the answer: the backend is out of step; do not reuse
        c.close();
      } else if (pool.size() < MAX_IDLE) {
        pool.offerFirst(c);
      } else {
        c.close();
      }
    }
    return new Response(code, headers, body);
  }
}
