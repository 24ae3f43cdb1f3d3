package io.datawarehouse.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Content read in fixed-size chunks while it is hashed: the front half of every multi-part
 * upload. {@link #readAhead} buffers up to a threshold so a store can choose between one request
 * and a multi-part upload; {@link #next} then hands out the buffered chunks and the rest of the
 * stream. Memory is the read-ahead plus whatever chunks the caller keeps. Not thread-safe.
 */
public final class ChunkedContent {
  private static final int FIRST_BUFFER = 64 * 1024;

  private final HashingInputStream in;
  private final int chunkSize;
  private final Deque<byte[]> buffered = new ArrayDeque<>();
  private long buffer;
  private boolean ended;
  private boolean sawFullChunk;
  private final int firstBuffer;

  public ChunkedContent(InputStream content, int chunkSize) {
    this(content, chunkSize, -1);
  }

  /**
   * @param sizeHint the content's expected length, or -1 when unknown; only sizes the first
   *     buffer (one byte more than the hint, so the end is seen without growing)
   */
  public ChunkedContent(InputStream content, int chunkSize, long sizeHint) {
    this.in = new HashingInputStream(content);
    this.chunkSize = chunkSize;
    this.firstBuffer = sizeHint >= 0 && sizeHint < chunkSize ? (int) sizeHint + 1 : Math.min(chunkSize, FIRST_BUFFER);
  }

  /**
   * Reads chunks until more than {@code threshold} bytes are buffered or the content ends.
   *
   * @return whether the whole content is buffered and at most {@code threshold} bytes: one
   *     request will do
   */
  public boolean readAhead(long threshold) throws IOException {
    while (!ended && buffer <= threshold) {
      byte[] c = read();
      if (c.length > 0) {
        buffered.add(c);
        buffer += c.length;
      }
    }
    return ended && buffer <= threshold;
  }

  /** The buffered content as one array (after {@link #readAhead} returned true). */
  public byte[] buffered() {
    if (buffered.size() == 1) {
      return buffered.peek();
    }
    byte[] out = new byte[Math.toIntExact(buffer)];
    int pos = 0;
    for (byte[] c : buffered) {
      System.arraycopy(c, 0, out, pos, c.length);
      pos += c.length;
    }
    return out;
  }

  /** The next chunk (buffered ones first), full-sized except the last; empty at the end. */
  public byte[] next() throws IOException {
    if (!buffered.isEmpty()) {
      byte[] c = buffered.poll();
      buffer -= c.length;
      return c;
    }
    return ended ? new byte[0] : read();
  }

  /** Bytes read from the stream so far. */
  public long count() {
    return in.count();
  }

  /** The SHA-256 of the content, once it has all been read. */
  public String sha256Hex() {
    return in.sha256Hex();
  }

  /**
   * Reads one chunk. Until a first full chunk has been read, the buffer starts small and doubles,
   * so that a small object does not cost a whole chunk-sized allocation (8 MiB by default, whose
   * zeroing alone costs more than a 4 KiB upload's own work).
   */
  private byte[] read() throws IOException {
    byte[] buf = new byte[sawFullChunk ? chunkSize : firstBuffer];
    int n = 0;
    while (true) {
      n += in.readNBytes(buf, n, buf.length - n);
      if (n < buf.length) {
        ended = true;
        return Arrays.copyOf(buf, n);
      }
      if (buf.length == chunkSize) {
        sawFullChunk = true;
        return buf;
      }
      buf = Arrays.copyOf(buf, (int) Math.min(chunkSize, 2L * buf.length));
    }
  }
}
