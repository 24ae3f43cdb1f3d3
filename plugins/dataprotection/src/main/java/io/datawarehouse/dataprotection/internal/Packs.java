package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Pack files: many sealed blobs in one file.
 *
 * <pre>
 *   offset 0        "DWPK" u32 version (1)
 *   offset 8        sealed blobs, back to back (each: Aead header, nonce, ciphertext, tag)
 *   trailer         Aead(entries, associated data "DWPK trailer " + pack name)
 *                   entries: u32 count, then per blob: id (32), flags (1: zstd), u64 offset,
 *                   u32 stored length, u32 raw length
 *   last 8 bytes    u32 trailer length, "DWPE"
 * </pre>
 * A pack is written under a temporary name and renamed to {@code data/<2 hex>/<name>} only once it
 * is complete and forced to disk, so an interrupted backup leaves at most a temporary file.
 */
public final class Packs {
  private Packs() {}

  private static byte[] trailerAad(String name) {
    return ("DWPK trailer " + name).getBytes(StandardCharsets.UTF_8);
  }

  /** Reads the stored bytes of one blob. */
  public static byte[] readStored(RepoLayout layout, BlobLocation loc) {
    Path file = layout.pack(loc.pack());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(loc.storedLength());
      if (!AtomicFiles.readFully(ch, buf, loc.offset())) {
        throw DwException.integrity("pack " + file + " is truncated: blob " + loc.id() + " needs bytes up to "
            + (loc.offset() + loc.storedLength()) + " but the file has " + ch.size());
      }
      return buf.array();
    } catch (NoSuchFileException e) {
      throw DwException.integrity("pack " + loc.pack() + " is missing (" + file + "), blob " + loc.id() + " cannot be read", e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the stored bytes of one blob from an open pack ({@code file} names it in messages), so
   * that a reader that takes many blobs from one pack opens it once.
   */
  public static byte[] readStored(FileChannel ch, Path file, BlobLocation loc) throws IOException {
    return readStored(ch, file, loc, new byte[loc.storedLength()]);
  }

  /**
   * Reads the stored bytes of one blob from an open pack into {@code into[0 .. storedLength)}
   * (a reused buffer of at least that size) and returns {@code into}.
   */
  public static byte[] readStored(FileChannel ch, Path file, BlobLocation loc, byte[] into) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(into, 0, loc.storedLength());
    if (!AtomicFiles.readFully(ch, buf, loc.offset())) {
      throw DwException.integrity("pack " + file + " is truncated: blob " + loc.id() + " needs bytes up to "
          + (loc.offset() + loc.storedLength()) + " but the file has " + ch.size());
    }
    return into;
  }

  /**
   * The entries of a pack as its trailer lists them, after checking header, trailer tag and that
   * the blobs exactly fill the space between header and trailer.
   *
   * @throws DwException INTEGRITY naming the file when anything does not match
   */
  public static List<BlobLocation> readTrailer(RepoLayout layout, Sealer sealer, String name) {
    Path file = layout.pack(name);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < RepoLayout.HEADER_SIZE + 8) {
        throw DwException.integrity(file + ": truncated pack (" + size + " bytes)");
      }
      ByteBuffer head = ByteBuffer.allocate(RepoLayout.HEADER_SIZE);
      AtomicFiles.readFully(ch, head, 0);
      RepoLayout.checkHeader(head.array(), RepoLayout.PACK_MAGIC, file);
      ByteBuffer end = ByteBuffer.allocate(8);
      AtomicFiles.readFully(ch, end, size - 8);
      end.flip();
      int tlen = end.getInt();
      int magic = end.getInt();
      if (magic != RepoLayout.PACK_END_MAGIC || tlen <= 0 || tlen > size - 8 - RepoLayout.HEADER_SIZE) {
        throw DwException.integrity(file + ": bad pack end (trailer length " + tlen + ", magic 0x" + Integer.toHexString(magic)
            + "): truncated or not a complete pack");
      }
      ByteBuffer t = ByteBuffer.allocate(tlen);
      AtomicFiles.readFully(ch, t, size - 8 - tlen);
      byte[] body;
      try {
        body = sealer.open(t.array(), trailerAad(name));
      } catch (DwException e) {
        throw DwException.integrity(file + ": the trailer does not authenticate: " + e.getMessage(), e);
      }
      ByteBuffer b = ByteBuffer.wrap(body);
      int n = b.getInt();
      if (n < 0 || (long) n * BlobLocation.ENTRY_SIZE != b.remaining()) {
        throw DwException.integrity(file + ": trailer lists " + n + " entries in " + b.remaining() + " bytes");
      }
      List<BlobLocation> out = new ArrayList<>(n);
      long expect = RepoLayout.HEADER_SIZE;
      for (int i = 0; i < n; i++) {
        BlobLocation loc = BlobLocation.read(b, name, file.toString());
        if (loc.offset() != expect) {
          throw DwException.integrity(file + ": blob " + i + " starts at " + loc.offset() + " vs expected " + expect);
        }
        expect += loc.storedLength();
        out.add(loc);
      }
      if (expect != size - 8 - tlen) {
        throw DwException.integrity(file + ": blobs end at " + expect + " but the trailer starts at " + (size - 8 - tlen));
      }
      return out;
    } catch (NoSuchFileException e) {
      throw DwException.integrity("pack " + name + " is missing (" + file + ")", e);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes blobs into packs of about {@code targetSize} bytes. {@link #add} is thread-safe; the
   * worker that fills a pack also finishes it (trailer, force, rename) outside the lock, then
   * hands its entries to {@code onPackDone}.
   */
  public static final class Writer implements AutoCloseable {
    private final RepoLayout layout;
    private final Sealer sealer;
    private final long targetSize;
    private final Consumer<List<BlobLocation>> onPackDone;
    private OpenPack current;

    private static final class OpenPack {
      final String name = RepoLayout.newName();
      Path tmp;
      FileChannel ch;
      long pos = RepoLayout.HEADER_SIZE;
      final List<BlobLocation> entries = new ArrayList<>();
    }

    public Writer(RepoLayout layout, Sealer sealer, long targetSize, Consumer<List<BlobLocation>> onPackDone) {
      this.layout = layout;
      this.sealer = sealer;
      this.targetSize = targetSize;
      this.onPackDone = onPackDone;
    }

    /** Appends a sealed blob (written before this returns: its buffer may then be reused); may finish a pack. */
    public void add(BlobId id, Sealer.SealedBlob blob, int rawLength) {
      OpenPack full = null;
      synchronized (this) {
        try {
          if (current == null) {
            current = open();
          }
          OpenPack p = current;
          AtomicFiles.writeFully(p.ch, ByteBuffer.wrap(blob.stored(), 0, blob.length()), p.pos);
          p.entries.add(new BlobLocation(id, p.name, p.pos, blob.length(), rawLength, blob.compressed()));
          p.pos += blob.length();
          if (p.pos >= targetSize) {
            full = p;
            current = null;
          }
        } catch (IOException e) {
          throw DwException.of(ErrorCode.UNAVAILABLE, "cannot write a pack under " + layout.dataDir() + ": " + e.getMessage(), e);
        }
      }
      if (full != null) {
        finish(full);
      }
    }

    /** Finishes the pack being filled, if any. */
    public void flush() {
      OpenPack p;
      synchronized (this) {
        p = current;
        current = null;
      }
      if (p != null) {
        finish(p);
      }
    }

    private OpenPack open() throws IOException {
      OpenPack p = new OpenPack();
      Files.createDirectories(layout.dataDir());
      p.tmp = layout.dataDir().resolve(AtomicFiles.TEMP_PREFIX + p.name);
      p.ch = FileChannel.open(p.tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      AtomicFiles.writeFully(p.ch, ByteBuffer.wrap(RepoLayout.header(RepoLayout.PACK_MAGIC)), 0);
      return p;
    }

    private void finish(OpenPack p) {
      try {
        ByteBuffer body = ByteBuffer.allocate(4 + p.entries.size() * BlobLocation.ENTRY_SIZE);
        body.putInt(p.entries.size());
        for (BlobLocation e : p.entries) {
          e.write(body);
        }
        byte[] trailer = sealer.seal(body.array(), trailerAad(p.name));
        ByteBuffer tail = ByteBuffer.allocate(trailer.length + 8);
        tail.put(trailer).putInt(trailer.length).putInt(RepoLayout.PACK_END_MAGIC).flip();
        AtomicFiles.writeFully(p.ch, tail, p.pos);
        p.ch.force(true);
        p.ch.close();
        Path target = layout.pack(p.name);
        Files.createDirectories(target.getParent());
        Files.move(p.tmp, target, StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.fsyncDirectory(target.getParent());
      } catch (IOException e) {
        throw DwException.of(ErrorCode.UNAVAILABLE, "cannot finish pack " + p.name + ": " + e.getMessage(), e);
      }
      onPackDone.accept(List.copyOf(p.entries));
    }

    /** Abandons an unfinished pack (after a failure): closes and deletes its temporary file. */
    @Override
    public synchronized void close() {
      if (current != null) {
        try {
          current.ch.close();
          Files.deleteIfExists(current.tmp);
        } catch (IOException e) {
          // a leftover temporary file is reported by validate and removed by prune
        }
        current = null;
      }
    }
  }
}
