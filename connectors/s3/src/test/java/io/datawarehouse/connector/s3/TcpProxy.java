package io.datawarehouse.connector.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy whose link can be cut (listener closed, every open connection reset) and
 * restored on the same port: a service that goes away mid-request, from the client's side.
 */
final class TcpProxy implements AutoCloseable {
  private final int targetPort;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket server;
  private final java.util.concurrent.atomic.AtomicLong cutAfter = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);

  TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.port = s.getLocalPort();
    serve(s);
  }

  int port() {
    return port;
  }

  private void serve(ServerSocket s) {
    server = s;
    Thread.ofVirtual().name("proxy-accept").start(() -> {
      while (!s.isClosed()) {
        try {
          Socket client = s.accept();
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
          open.add(client);
          open.add(upstream);
          pump(client, upstream, true);
          pump(upstream, client, false);
        } catch (IOException e) {
          return; // closed by cut()
        }
      }
    });
  }

  private void pump(Socket from, Socket to, boolean upstream) {
    Thread.ofVirtual().name("proxy-pump").start(() -> {
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
          out.write(buf, 0, n);
          if (upstream && cutAfter.addAndGet(-n) <= 0) {
            cutAfter.set(Long.MAX_VALUE);
            cut(); // mid-request: part of the body went through
            return;
          }
        }
      } catch (IOException e) {
        // cut or closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    });
  }

  /** Cuts the link once {@code bytes} more bytes have gone towards the service. */
  void cutAfterBytes(long bytes) {
    cutAfter.set(bytes);
  }

  /** Stops accepting and resets every open connection. */
  void cut() {
    closeQuietly(server);
    for (Socket s : open) {
      try {
        s.setSoLinger(true, 0);
      } catch (IOException ignored) {
        // closing anyway
      }
      closeQuietly(s);
    }
    open.clear();
  }

  /** Accepts again on the same port. */
  void restore() throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    serve(s);
  }

  @Override
  public void close() {
    cut();
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      if (c != null) {
        c.close();
      }
    } catch (IOException ignored) {
      // best effort
    }
  }
}
