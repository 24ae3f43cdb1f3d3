package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;

/**
 * {@link StreamingAead#decryptingChannel}: random-access reads of the plaintext of a stream held
 * in a {@link SeekableByteChannel} or in memory (a {@link ByteBuffer}, heap or mapped). Every chunk
 * sits at a computable offset, so a read of any byte range fetches and authenticates only the
 * chunks it touches; the most recently decrypted chunk is kept, so sequential small reads decrypt
 * each chunk once. From a channel each chunk's ciphertext is read into a chunk buffer; from memory
 * the cipher reads it where it lies (no copy for heap buffers).
 *
 * <p>Opening authenticates the final chunk (as the final chunk, at the index the ciphertext's
 * length implies), so {@link #size()} is authenticated before the first read: a truncated or
 * extended ciphertext fails at open, not only when its end is read.
 *
 * <p>Read-only: {@code write} and {@code truncate} throw {@link NonWritableChannelException}. Not
 * thread-safe (one position, one chunk cache).
 */
final class DecryptingChannel implements SeekableByteChannel {
  /** The ciphertext: exactly one of {@code ch} and {@code memory} is set. */
  private final SeekableByteChannel ch;
  private final ByteBuffer memory;
  private final ChunkCipher chunks;
  private final int chunkSize;
  private final int cipherChunkSize;
  private final long chunkCount;
  private final int lastCipherLength;
  private final long size;
  private final byte[] cipherBuf;
  private final byte[] plain;
  private long cachedChunk = -1;
  private int cachedLength;
  private long position;
  private boolean open = true;

  private DecryptingChannel(SeekableByteChannel ch, ByteBuffer memory, ChunkCipher chunks, long cipherSize) throws IOException {
    this.ch = ch;
    this.memory = memory;
    this.chunks = chunks;
    this.chunkSize = chunks.chunkSize();
    this.cipherChunkSize = chunkSize + ChunkCipher.TAG_SIZE;
    long body = cipherSize - ChunkCipher.HEADER_SIZE;
    if (body < ChunkCipher.TAG_SIZE) {
      throw DwException.integrity(chunks.source() + ": " + cipherSize + " bytes hold no complete chunk after the "
          + ChunkCipher.HEADER_SIZE + "-byte header: the stream was truncated");
    }
    this.chunkCount = (body + cipherChunkSize - 1) / cipherChunkSize;
    this.lastCipherLength = (int) (body - (chunkCount - 1) * cipherChunkSize);
    if (lastCipherLength < ChunkCipher.TAG_SIZE || chunkCount > ChunkCipher.MAX_CHUNKS) {
      throw DwException.integrity(chunks.source() + ": a ciphertext of " + cipherSize + " bytes cannot end a stream of "
          + chunkSize + "-byte chunks (its last chunk would be " + lastCipherLength + " bytes): it was truncated or extended");
    }
    this.size = body - chunkCount * ChunkCipher.TAG_SIZE;
    this.cipherBuf = ch == null ? null : new byte[cipherChunkSize];
    this.plain = new byte[chunkSize];
    load(chunkCount - 1);
  }

  /** Reads and checks the header of {@code ch}, then authenticates its final chunk. */
  static DecryptingChannel open(SeekableByteChannel ch, Keyring keys, byte[] associatedData, String source) throws IOException {
    long cipherSize = ch.size();
    byte[] header = new byte[ChunkCipher.HEADER_SIZE];
    ch.position(0);
    if (cipherSize < header.length || !readFully(ch, ByteBuffer.wrap(header))) {
      throw shortHeader(source, cipherSize);
    }
    return new DecryptingChannel(ch, null, ChunkCipher.openStream(keys, header, associatedData, source), cipherSize);
  }

  /** The same over the remaining bytes of {@code ciphertext} (its position and limit are left alone). */
  static DecryptingChannel open(ByteBuffer ciphertext, Keyring keys, byte[] associatedData, String source) throws IOException {
    ByteBuffer memory = ciphertext.slice();
    byte[] header = new byte[ChunkCipher.HEADER_SIZE];
    if (memory.remaining() < header.length) {
      throw shortHeader(source, memory.remaining());
    }
    memory.get(0, header);
    return new DecryptingChannel(null, memory, ChunkCipher.openStream(keys, header, associatedData, source), memory.remaining());
  }

  private static DwException shortHeader(String source, long cipherSize) {
    return DwException.integrity(source + ": " + cipherSize + " bytes are shorter than the " + ChunkCipher.HEADER_SIZE
        + "-byte stream header: truncated, or not an encrypted stream");
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    ensureOpen();
    if (!dst.hasRemaining()) {
      return 0;
    }
    if (position >= size) {
      return -1;
    }
    int total = 0;
    while (dst.hasRemaining() && position < size) {
      long index = position / chunkSize;
      int inChunk = (int) (position % chunkSize);
      int n;
      if (index != cachedChunk && inChunk == 0 && dst.hasArray() && dst.remaining() >= plainLength(index)) {
        // a whole chunk into the caller's buffer, no copy
        n = decrypt(index, dst.array(), dst.arrayOffset() + dst.position());
        dst.position(dst.position() + n);
      } else {
        load(index);
        n = Math.min(dst.remaining(), cachedLength - inChunk);
        dst.put(plain, inChunk, n);
      }
      position += n;
      total += n;
    }
    return total;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    ensureOpen();
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    position = newPosition;
    return this;
  }

  /** The plaintext size (authenticated when the channel was opened). */
  @Override
  public long size() throws IOException {
    ensureOpen();
    return size;
  }

  @Override
  public SeekableByteChannel truncate(long newSize) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open && (ch == null || ch.isOpen());
  }

  @Override
  public void close() throws IOException {
    if (open) {
      open = false;
      Arrays.fill(plain, (byte) 0);
      cachedChunk = -1;
      if (ch != null) {
        ch.close();
      }
    }
  }

  private int plainLength(long index) {
    return index == chunkCount - 1 ? lastCipherLength - ChunkCipher.TAG_SIZE : chunkSize;
  }

  private void load(long index) throws IOException {
    if (index != cachedChunk) {
      cachedChunk = -1;
      cachedLength = decrypt(index, plain, 0);
      cachedChunk = index;
    }
  }

  private int decrypt(long index, byte[] out, int off) throws IOException {
    boolean last = index == chunkCount - 1;
    int len = last ? lastCipherLength : cipherChunkSize;
    long at = ChunkCipher.HEADER_SIZE + index * cipherChunkSize;
    if (memory != null) {
      return memory.hasArray()
          ? chunks.decrypt(index, last, memory.array(), memory.arrayOffset() + (int) at, len, out, off)
          : chunks.decrypt(index, last, memory.slice((int) at, len), out, off);
    }
    ch.position(at);
    if (!readFully(ch, ByteBuffer.wrap(cipherBuf, 0, len))) {
      throw DwException.integrity(chunks.source() + ": the ciphertext ended inside chunk " + index
          + ": it was truncated after it was opened");
    }
    return chunks.decrypt(index, last, cipherBuf, 0, len, out, off);
  }

  private static boolean readFully(SeekableByteChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf) < 0) {
        return false;
      }
    }
    return true;
  }

  private void ensureOpen() throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
  }
}
