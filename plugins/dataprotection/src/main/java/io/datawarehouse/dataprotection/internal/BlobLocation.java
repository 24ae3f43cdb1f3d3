package io.datawarehouse.dataprotection.internal;

/**
 * Where a blob lives: its pack, the offset and length of its stored (encrypted) form, its
 * plaintext length and whether it is zstd-compressed.
 *
 * @param id the blob's id
 * @param pack the pack's name (32 hex digits)
 * @param offset byte offset of the stored blob in the pack file
 * @param storedLength bytes of the stored blob (ciphertext with header, nonce and tag)
 * @param rawLength bytes of the plaintext
 * @param compressed whether the sealed bytes are zstd-compressed
 */
public record BlobLocation(BlobId id, String pack, long offset, int storedLength, int rawLength, boolean compressed) {
  /** Bytes of one entry in a pack trailer or an index: id, flags, offset, stored and raw length. */
  public static final int ENTRY_SIZE = BlobId.SIZE + 1 + 8 + 4 + 4;

  /** Writes this entry (without the pack name) at {@code buf[off]}. */
  void write(java.nio.ByteBuffer buf) {
    buf.put(id.bytes()).put((byte) (compressed ? 1 : 0)).putLong(offset).putInt(storedLength).putInt(rawLength);
  }

  /** Reads an entry of {@code pack} from {@code buf}; INTEGRITY when a field is out of range. */
  static BlobLocation read(java.nio.ByteBuffer buf, String pack, String source) {
    byte[] id = new byte[BlobId.SIZE];
    buf.get(id);
    int flags = buf.get();
    long offset = buf.getLong();
    int stored = buf.getInt();
    int raw = buf.getInt();
    if ((flags & ~1) != 0 || offset < 0 || stored <= 0 || raw < 0) {
      throw io.datawarehouse.sdk.DwException.integrity(source + ": malformed blob entry (flags=" + flags + ", offset="
          + offset + ", stored=" + stored + ", raw=" + raw + ")");
    }
    return new BlobLocation(BlobId.of(id), pack, offset, stored, raw, flags == 1);
  }
}
