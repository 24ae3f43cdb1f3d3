package io.datawarehouse.sdk.crypto;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * {@link StreamingAead#encryptingStream}: buffers at most one chunk of plaintext, holding back the
 * last chunk until {@link #close()} marks it final. Large writes are encrypted straight from the
 * caller's array (no copy) for every chunk that is certainly not the last. Not thread-safe.
 */
final class EncryptingOutputStream extends OutputStream {
  private final OutputStream out;
  private final ChunkCipher chunks;
  private final int chunkSize;
  private final byte[] plain;
  private final byte[] cipherChunk;
  private int buffered;
  private long nextChunk;
  private boolean closed;

  EncryptingOutputStream(OutputStream out, ChunkCipher chunks, byte[] header) throws IOException {
    this.out = out;
    this.chunks = chunks;
    this.chunkSize = chunks.chunkSize();
    this.plain = new byte[chunkSize];
    this.cipherChunk = new byte[chunkSize + ChunkCipher.TAG_SIZE];
    out.write(header);
  }

  @Override
  public void write(int b) throws IOException {
    ensureOpen();
    if (buffered == chunkSize) {
      emit(plain, 0, buffered, false);
      buffered = 0;
    }
    plain[buffered++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    while (len > 0) {
      if (buffered == chunkSize) {
        // more data follows, so the buffered chunk is not the last
        emit(plain, 0, buffered, false);
        buffered = 0;
      }
      if (buffered == 0 && len > chunkSize) {
        // a whole chunk with more data after it: encrypt in place from the caller's array
        emit(b, off, chunkSize, false);
        off += chunkSize;
        len -= chunkSize;
        continue;
      }
      int n = Math.min(len, chunkSize - buffered);
      System.arraycopy(b, off, plain, buffered, n);
      buffered += n;
      off += n;
      len -= n;
    }
  }

  /** Flushes the underlying stream; buffered plaintext stays buffered until its chunk is complete. */
  @Override
  public void flush() throws IOException {
    ensureOpen();
    out.flush();
  }

  /**
   * Encrypts the buffered plaintext as the final chunk (possibly empty), then closes the underlying
   * stream. Without it the ciphertext is incomplete and fails to decrypt as truncated.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try (OutputStream o = out) {
      emit(plain, 0, buffered, true);
      buffered = 0;
      o.flush();
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
    }
  }

  private void emit(byte[] b, int off, int len, boolean last) throws IOException {
    int n = chunks.encrypt(nextChunk, last, b, off, len, cipherChunk, 0);
    nextChunk++;
    out.write(cipherChunk, 0, n);
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException(chunks.source() + " is closed");
    }
  }
}
