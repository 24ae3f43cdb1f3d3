package io.datawarehouse.deployment.router;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** HTTP/1.1 framing shared by the router's server and client sides: lines and chunked bodies. */
final class Http1Io {
  /** The longest line (request, status or header) accepted. */
  static final int MAX_LINE = 64 * 1024;

  private Http1Io() {}

  /** A CRLF- (or LF-) terminated line in ISO-8859-1; null at a clean end of stream when {@code eofOk}. */
  static String line(InputStream in, boolean eofOk) throws IOException {
    StringBuilder sb = new StringBuilder(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (eofOk && sb.isEmpty()) {
          return null;
        }
        throw new EOFException("connection closed in the middle of a message");
      }
      if (b == '\n') {
        int len = sb.length();
        return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
      }
      if (sb.length() >= MAX_LINE) {
        throw new IOException("a line of the message exceeds " + MAX_LINE + " bytes");
      }
      sb.append((char) b);
    }
  }

  /** A chunked body, decoded; trailers are read and dropped. */
  static byte[] chunked(InputStream in, long maxBytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      String size = line(in, false);
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
        while (!line(in, false).isEmpty()) {
          // trailers are dropped
        }
        return out.toByteArray();
      }
      byte[] chunk = in.readNBytes(n);
      if (chunk.length < n) {
        throw new EOFException("connection closed inside a chunk");
      }
      out.write(chunk);
      line(in, false);
    }
  }
}
