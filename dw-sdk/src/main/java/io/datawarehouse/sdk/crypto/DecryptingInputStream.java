package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@link StreamingAead#decryptingStream}: reads one ciphertext chunk plus one byte ahead, so it
 * knows whether the chunk is the last one (nothing follows) before it authenticates it. Reads of
 * at least a chunk decrypt straight into the caller's array. After an integrity failure every
 * further read throws the same error. Not thread-safe.
 */
final class DecryptingInputStream extends InputStream {
  private final InputStream in;
  private final ChunkCipher chunks;
  private final int chunkSize;
  private final int cipherChunkSize;
  /** One ciphertext chunk and the first byte of the next. */
  private final byte[] cipherBuf;
  private int cipherFill;
  private final byte[] plain;
  private int plainPos;
  private int plainLimit;
  private long nextChunk;
  private boolean ended;
  private boolean closed;
  private DwException failure;

  DecryptingInputStream(InputStream in, ChunkCipher chunks) {
    this.in = in;
    this.chunks = chunks;
    this.chunkSize = chunks.chunkSize();
    this.cipherChunkSize = chunkSize + ChunkCipher.TAG_SIZE;
    this.cipherBuf = new byte[cipherChunkSize + 1];
    this.plain = new byte[chunkSize];
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    if (len == 0) {
      return 0;
    }
    if (plainPos == plainLimit) {
      if (ended) {
        return -1;
      }
      // only the final chunk can be empty, so a 0-byte chunk is the end of the stream
      if (len >= chunkSize) {
        // the whole next chunk fits: decrypt into the caller's array, no copy
        int n = nextChunk(b, off);
        return n == 0 ? -1 : n;
      }
      plainPos = 0;
      plainLimit = nextChunk(plain, 0);
      if (plainLimit == 0) {
        return -1;
      }
    }
    int n = Math.min(len, plainLimit - plainPos);
    System.arraycopy(plain, plainPos, b, off, n);
    plainPos += n;
    return n;
  }

  @Override
  public long transferTo(OutputStream out) throws IOException {
    Objects.requireNonNull(out, "out");
    ensureOpen();
    long total = plainLimit - plainPos;
    if (total > 0) {
      out.write(plain, plainPos, (int) total);
      plainPos = plainLimit;
    }
    while (!ended) {
      int n = nextChunk(plain, 0);
      out.write(plain, 0, n);
      total += n;
    }
    return total;
  }

  @Override
  public int available() throws IOException {
    ensureOpen();
    return plainLimit - plainPos;
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      Arrays.fill(plain, (byte) 0);
      in.close();
    }
  }

  /**
   * Reads, authenticates and decrypts the next chunk into {@code out[off ..]} (room for a whole
   * chunk); returns its plaintext length. Sets {@link #ended} after the final chunk.
   */
  private int nextChunk(byte[] out, int off) throws IOException {
    while (cipherFill < cipherBuf.length) {
      int n = in.read(cipherBuf, cipherFill, cipherBuf.length - cipherFill);
      if (n < 0) {
        break;
      }
      cipherFill += n;
    }
    try {
      if (cipherFill == cipherBuf.length) {
        int n = chunks.decrypt(nextChunk, false, cipherBuf, 0, cipherChunkSize, out, off);
        cipherBuf[0] = cipherBuf[cipherChunkSize];
        cipherFill = 1;
        nextChunk++;
        return n;
      }
      if (cipherFill == 0 && nextChunk == 0) {
        throw DwException.integrity(chunks.source() + ": the stream ends after its header, with no chunk: it was truncated");
      }
      int n = chunks.decrypt(nextChunk, true, cipherBuf, 0, cipherFill, out, off);
      ended = true;
      cipherFill = 0;
      return n;
    } catch (DwException e) {
      failure = e;
      throw e;
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException(chunks.source() + " is closed");
    }
    if (failure != null) {
      throw failure;
    }
  }
}
