package io.datawarehouse.dataprotection.internal;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.crypto.Aead;
import io.datawarehouse.sdk.crypto.Hmac;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Everything the repository encrypts or authenticates: blob ids (HMAC-SHA256 of the plaintext
 * under the id key), sealed blobs (zstd when it helps, then AES-256-GCM through {@link Aead} with
 * the blob id and compression flag as associated data) and sealed files (index, snapshot, pack
 * trailer: AES-256-GCM with the file's header and name as associated data, so a file moved to
 * another name or kind does not open).
 *
 * <p>Opening a blob checks the GCM tag, decompresses, checks the plaintext length and recomputes
 * the HMAC against the id: a blob that does not come back exactly is INTEGRITY, never returned.
 * Thread-safe.
 */
public final class Sealer {
  private final Aead aead;
  private final Hmac ids;
  private final int level;
  /** One zstd context per thread: creating one per chunk costs a table allocation each time. */
  private final ThreadLocal<ZstdCompressCtx> compressors;
  private final ThreadLocal<ZstdDecompressCtx> decompressors = ThreadLocal.withInitial(ZstdDecompressCtx::new);
  private final ThreadLocal<byte[]> scratch = new ThreadLocal<>();

  public Sealer(Aead aead, Hmac ids, int zstdLevel) {
    this.aead = aead;
    this.ids = ids;
    this.level = zstdLevel;
    this.compressors = ThreadLocal.withInitial(() -> new ZstdCompressCtx().setLevel(zstdLevel));
  }

  /** A sealed blob: its stored bytes ({@code stored[0 .. length)}) and whether they hold compressed data. */
  public record SealedBlob(byte[] stored, int length, boolean compressed) {
    public SealedBlob {
      java.util.Objects.checkFromIndexSize(0, length, stored.length);
    }

    /** All of {@code stored}. */
    public SealedBlob(byte[] stored, boolean compressed) {
      this(stored, stored.length, compressed);
    }
  }

  /** Per thread: the output buffer of {@link #sealReusing}. */
  private final ThreadLocal<byte[][]> sealOut = ThreadLocal.withInitial(() -> new byte[1][]);

  /**
   * Seals like {@link #seal(BlobId, byte[])}, without allocating: the compressed form and the
   * stored bytes go to buffers this thread reuses, so the result is valid only until this
   * thread's next call (the backup writes it into its pack before sealing the next blob).
   */
  public SealedBlob sealReusing(BlobId id, byte[] plain) {
    return sealReusing(id, plain, plain.length);
  }

  /** {@link #sealReusing(BlobId, byte[])} of {@code plain[0 .. length)}. */
  public SealedBlob sealReusing(BlobId id, byte[] plain, int length) {
    java.util.Objects.checkFromIndexSize(0, length, plain.length);
    byte[] payload = plain;
    int payloadLength = length;
    boolean compressed = false;
    if (level > 0 && length > 64) {
      byte[] buf = scratch((int) Zstd.compressBound(length));
      int n = compressors.get().compressByteArray(buf, 0, buf.length, plain, 0, length);
      if (n < length - (length >>> 5)) {
        payload = buf;
        payloadLength = n;
        compressed = true;
      }
    }
    byte[][] holder = sealOut.get();
    int need = payloadLength + Aead.OVERHEAD;
    if (holder[0] == null || holder[0].length < need) {
      holder[0] = new byte[Math.max(need, holder[0] == null ? 0 : holder[0].length + holder[0].length / 4)];
    }
    int n = aead.encrypt(payload, 0, payloadLength, blobAad(id, compressed), holder[0], 0);
    return new SealedBlob(holder[0], n, compressed);
  }

  /** This thread's compression buffer, with room for {@code bound} bytes. */
  private byte[] scratch(int bound) {
    byte[] buf = scratch.get();
    if (buf == null || buf.length < bound) {
      buf = new byte[bound];
      scratch.set(buf);
    }
    return buf;
  }

  /** The id of {@code data[off .. off + len)}. */
  public BlobId id(byte[] data, int off, int len) {
    return BlobId.of(ids.sign(data, off, len));
  }

  /** Compresses (when that saves at least 1/32) and encrypts {@code plain}, bound to {@code id}. */
  public SealedBlob seal(BlobId id, byte[] plain) {
    byte[] payload = plain;
    boolean compressed = false;
    if (level > 0 && plain.length > 64) {
      int bound = (int) Zstd.compressBound(plain.length);
      byte[] buf = scratch.get();
      if (buf == null || buf.length < bound) {
        buf = new byte[bound];
        scratch.set(buf);
      }
      int n = compressors.get().compressByteArray(buf, 0, buf.length, plain, 0, plain.length);
      if (n < plain.length - (plain.length >>> 5)) {
        payload = java.util.Arrays.copyOf(buf, n);
        compressed = true;
      }
    }
    return new SealedBlob(aead.encrypt(payload, blobAad(id, compressed)), compressed);
  }

  /**
   * Buffers one reader thread reuses for every blob it opens (stored bytes, decrypted payload,
   * plaintext), so that reading a repository does not allocate three arrays per blob; each grows
   * to the largest blob seen. Not thread-safe: one per thread.
   */
  public static final class Buffers {
    private byte[] stored = new byte[0];
    private byte[] payload = new byte[0];
    private byte[] plain = new byte[0];

    /** A buffer of at least {@code n} bytes for the stored form of a blob. */
    public byte[] stored(int n) {
      if (stored.length < n) {
        stored = new byte[grown(stored.length, n)];
      }
      return stored;
    }

    /** At least {@code n}, and a quarter more than before: blob sizes vary, so it stops growing soon. */
    private static int grown(int had, int n) {
      return (int) Math.min(Integer.MAX_VALUE - 16, Math.max(n, had + (long) had / 4));
    }

    private byte[] payload(int n) {
      if (payload.length < n) {
        payload = new byte[grown(payload.length, n)];
      }
      return payload;
    }

    private byte[] plain(int n) {
      if (plain.length < n) {
        plain = new byte[grown(plain.length, n)];
      }
      return plain;
    }
  }

  /**
   * The plaintext of a stored blob, fully verified.
   *
   * @throws DwException INTEGRITY naming the blob and its pack when anything does not match
   */
  public byte[] open(BlobLocation loc, byte[] stored) {
    Buffers b = new Buffers();
    byte[] plain = openInto(loc, stored, stored.length, b);
    return plain.length == loc.rawLength() ? plain : java.util.Arrays.copyOf(plain, loc.rawLength());
  }

  /**
   * Opens the stored blob {@code stored[0 .. storedLength)} like {@link #open(BlobLocation, byte[])}
   * into {@code buffers}: returns an array whose first {@link BlobLocation#rawLength()} bytes are
   * the verified plaintext, valid until the next call with the same buffers.
   *
   * @throws DwException INTEGRITY naming the blob and its pack when anything does not match
   */
  public byte[] openInto(BlobLocation loc, byte[] stored, int storedLength, Buffers buffers) {
    int raw = loc.rawLength();
    byte[] payload;
    int payloadLength;
    try {
      payloadLength = Aead.plaintextLength(storedLength);
      payload = loc.compressed() ? buffers.payload(payloadLength) : buffers.plain(Math.max(payloadLength, raw));
      aead.decrypt(stored, 0, storedLength, blobAad(loc.id(), loc.compressed()), payload, 0);
    } catch (DwException e) {
      throw DwException.integrity("blob " + loc.id() + " in pack " + loc.pack() + " at offset " + loc.offset()
          + " does not authenticate (altered, moved or another blob): " + e.getMessage(), e);
    }
    byte[] plain;
    int n;
    if (loc.compressed()) {
      plain = buffers.plain(raw);
      try {
        n = decompressors.get().decompressByteArray(plain, 0, raw, payload, 0, payloadLength);
      } catch (RuntimeException e) {
        throw DwException.integrity("blob " + loc.id() + " in pack " + loc.pack() + " does not decompress: " + e.getMessage(), e);
      }
      if (n != raw) {
        throw DwException.integrity("blob " + loc.id() + " in pack " + loc.pack() + " decompresses to " + n
            + " bytes vs expected " + raw);
      }
    } else {
      plain = payload;
      n = payloadLength;
    }
    if (n != raw) {
      throw DwException.integrity("blob " + loc.id() + " in pack " + loc.pack() + ": " + n + " bytes vs expected " + raw);
    }
    if (!loc.id().matches(ids.sign(plain, 0, raw))) {
      throw DwException.integrity("blob " + loc.id() + " in pack " + loc.pack() + ": content does not match its id");
    }
    return plain;
  }

  /** Header, then {@code body} sealed with the header and {@code name} as associated data. */
  public byte[] sealFile(int magic, String name, byte[] body) {
    byte[] header = RepoLayout.header(magic);
    byte[] sealed = aead.encrypt(body, fileAad(header, name));
    byte[] out = new byte[header.length + sealed.length];
    System.arraycopy(header, 0, out, 0, header.length);
    System.arraycopy(sealed, 0, out, header.length, sealed.length);
    return out;
  }

  /**
   * The body of a file made by {@link #sealFile}.
   *
   * @throws DwException INTEGRITY naming {@code file} when the header or the tag does not match
   */
  public byte[] openFile(int magic, String name, byte[] data, Path file) {
    RepoLayout.checkHeader(data, magic, file);
    byte[] header = java.util.Arrays.copyOf(data, RepoLayout.HEADER_SIZE);
    byte[] sealed = java.util.Arrays.copyOfRange(data, RepoLayout.HEADER_SIZE, data.length);
    try {
      return aead.decrypt(sealed, fileAad(header, name));
    } catch (DwException e) {
      throw DwException.integrity(file + " does not authenticate (altered, truncated or renamed): " + e.getMessage(), e);
    }
  }

  /** Seals arbitrary bytes with associated data (pack trailers). */
  public byte[] seal(byte[] body, byte[] aad) {
    return aead.encrypt(body, aad);
  }

  /** Opens what {@link #seal(byte[], byte[])} sealed; INTEGRITY when it does not authenticate. */
  public byte[] open(byte[] sealed, byte[] aad) {
    return aead.decrypt(sealed, aad);
  }

  private static byte[] blobAad(BlobId id, boolean compressed) {
    byte[] aad = new byte[BlobId.SIZE + 1];
    id.copyTo(aad, 0);
    aad[BlobId.SIZE] = (byte) (compressed ? 1 : 0);
    return aad;
  }

  private static byte[] fileAad(byte[] header, String name) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] aad = new byte[header.length + n.length];
    System.arraycopy(header, 0, aad, 0, header.length);
    System.arraycopy(n, 0, aad, header.length, n.length);
    return aad;
  }
}
