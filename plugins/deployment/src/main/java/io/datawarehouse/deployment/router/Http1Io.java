package io.datawarehouse.deployment.router;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * HTTP/1.1 framing shared by the router's server and client sides: a buffered reader of lines and
 * bodies, and a reusable writer that sends a whole message (head and body) in one write.
 *
 * <p>Both are unsynchronised on purpose: each connection is used by one thread at a time, and the
 * JDK's buffered streams take a lock per {@code read()} call, which for a byte-by-byte line scan
 * is most of the parsing cost.
 */
final class Http1Io {
  /** The longest line (request, status or header) accepted. */
  static final int MAX_LINE = 64 * 1024;

  private Http1Io() {}

  /** A buffered reader over a socket's input stream. Not thread-safe. */
  static final class Reader {
    private final InputStream in;
    private final byte[] buf;
    private int pos;
    private int lim;

    Reader(InputStream in, int size) {
      this.in = in;
      this.buf = new byte[size];
    }

    /** Whether bytes are buffered (read but not yet consumed). */
    boolean buffered() {
      return pos < lim;
    }

    private boolean fill() throws IOException {
      pos = 0;
      lim = 0;
      int n = in.read(buf, 0, buf.length);
      if (n <= 0) {
        return false;
      }
      lim = n;
      return true;
    }

    /**
     * A CRLF- (or LF-) terminated line in ISO-8859-1; null at a clean end of stream when {@code
     * eofOk}.
     */
    String line(boolean eofOk) throws IOException {
      byte[] spill = null;
      int spilled = 0;
      while (true) {
        if (pos >= lim && !fill()) {
          if (eofOk && spilled == 0) {
            return null;
          }
          throw new EOFException("connection closed in the middle of a message");
        }
        int start = pos;
        int i = start;
        while (i < lim && buf[i] != '\n') {
          i++;
        }
        if (i < lim) { // found the end of the line
          pos = i + 1;
          if (spill == null) {
            int end = i > start && buf[i - 1] == '\r' ? i - 1 : i;
            return new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
          }
          spill = append(spill, spilled, i - start);
          System.arraycopy(buf, start, spill, spilled, i - start);
          spilled += i - start;
          int end = spilled > 0 && spill[spilled - 1] == '\r' ? spilled - 1 : spilled;
          return new String(spill, 0, end, StandardCharsets.ISO_8859_1);
        }
        int n = lim - start;
        if (spilled + n > MAX_LINE) {
          throw new IOException("a line of the message exceeds " + MAX_LINE + " bytes");
        }
        spill = append(spill, spilled, n);
        System.arraycopy(buf, start, spill, spilled, n);
        spilled += n;
        pos = lim;
      }
    }

    private static byte[] append(byte[] spill, int used, int more) {
      if (spill == null) {
        return new byte[Math.max(256, more)];
      }
      return used + more <= spill.length ? spill : Arrays.copyOf(spill, Math.max(used + more, spill.length * 2));
    }

    /** Exactly {@code n} bytes, or fewer when the stream ends first. */
    byte[] bytes(int n) throws IOException {
      byte[] out = new byte[n];
      int got = Math.min(n, lim - pos);
      System.arraycopy(buf, pos, out, 0, got);
      pos += got;
      while (got < n) {
        int r = in.read(out, got, n - got);
        if (r < 0) {
          return Arrays.copyOf(out, got);
        }
        got += r;
      }
      return out;
    }

    /** Everything up to the end of the stream. */
    byte[] rest(long maxBytes) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(buf, pos, lim - pos);
      pos = lim;
      byte[] chunk = new byte[8192];
      for (int r; (r = in.read(chunk)) >= 0; ) {
        if (out.size() + (long) r > maxBytes) {
          throw new IOException("body larger than " + maxBytes + " bytes");
        }
        out.write(chunk, 0, r);
      }
      return out.toByteArray();
    }

    /** A chunked body, decoded; trailers are read and dropped. */
    byte[] chunked(long maxBytes) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (true) {
        String size = line(false);
        int semi = size.indexOf(';');
        int n;
        try {
          n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
        } catch (NumberFormatException e) {
          throw new IOException("bad chunk size '" + size + "'");
        }
        if (n < 0 || out.size() + (long) n > maxBytes) {
          throw new IOException("chunked body larger than " + maxBytes + " bytes");
        }
        if (n == 0) {
          while (!line(false).isEmpty()) {
            // trailers are dropped
          }
          return out.toByteArray();
        }
        byte[] chunk = bytes(n);
        if (chunk.length < n) {
          throw new EOFException("connection closed inside a chunk");
        }
        out.write(chunk);
        line(false);
      }
    }
  }

  /**
   * A message being written: ASCII head text and body bytes gathered in one reusable buffer, sent
   * with one write (one segment on loopback with TCP_NODELAY). Not thread-safe.
   */
  static final class Writer {
    private final OutputStream out;
    private byte[] buf = new byte[4096];
    private int len;

    Writer(OutputStream out) {
      this.out = out;
    }

    /** Appends ISO-8859-1 text. */
    Writer text(String s) {
      int n = s.length();
      ensure(n);
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        buf[len + i] = c <= 0xff ? (byte) c : (byte) '?'; // ISO-8859-1
      }
      len += n;
      return this;
    }

    /** Appends a decimal number. */
    Writer number(long v) {
      return text(Long.toString(v));
    }

    /** Appends one header line. */
    Writer header(String name, String value) {
      return text(name).text(": ").text(value).text("\r\n");
    }

    /** Appends bytes. */
    Writer bytes(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
      return this;
    }

    /** Sends what was gathered and starts a new message. */
    void send() throws IOException {
      try {
        out.write(buf, 0, len);
        out.flush();
      } finally {
        len = 0;
        if (buf.length > 64 * 1024) {
          buf = new byte[4096]; // do not keep a large body's buffer for the connection's life
        }
      }
    }

    private void ensure(int more) {
      if (len + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(len + more, buf.length * 2));
      }
    }
  }
}
