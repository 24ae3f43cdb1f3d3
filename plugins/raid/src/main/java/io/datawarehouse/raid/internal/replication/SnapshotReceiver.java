package io.datawarehouse.raid.internal.replication;

import io.datawarehouse.raid.RaidArray;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Stores snapshots shipped over {@code replication.snapshot.send}: each chunk is checked against
 * its CRC32C and written at its offset in {@code <root>/incoming/<transfer>/image.part} (so a
 * repeated chunk is harmless); the last chunk triggers a SHA-256 check of the whole image, after
 * which it moves to {@code <root>/<id>/} with a framed {@code meta.dat}. A received snapshot can
 * then be restored into an array of the same capacity.
 *
 * <p>Thread-safe (synchronized); the bus delivers one subscription's messages in order anyway.
 */
public final class SnapshotReceiver {
  private static final int META_MAGIC = FramedFile.magic("DWRS");
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");

  /**
   * A received snapshot.
   *
   * @param id where it is kept ({@code snapshot@array8})
   * @param snapshot the snapshot's name on the source
   * @param sourceArray the source array id
   * @param capacity bytes
   * @param blockSize the source's block size
   * @param sha256 of the image
   * @param receivedAt when it completed
   */
  public record Received(String id, String snapshot, String sourceArray, long capacity, int blockSize, String sha256, Instant receivedAt) {}

  private final Path root;

  public SnapshotReceiver(Path root) {
    this.root = root;
  }

  /** Handles one chunk. */
  public synchronized SnapshotChunk.Ack accept(SnapshotChunk c, Instant now) {
    if (c.transfer() == null || !SAFE.matcher(c.transfer()).matches() || c.snapshot() == null || !SAFE.matcher(c.snapshot()).matches()) {
      throw DwException.invalidArgument("a snapshot chunk needs a transfer id and a snapshot name of letters, digits, '.', '_', '-'");
    }
    if (c.capacity() < 0 || c.offset() < 0 || c.data() == null) {
      throw DwException.invalidArgument("snapshot chunk of transfer " + c.transfer() + ": capacity, offset and data are required");
    }
    byte[] data;
    try {
      data = Base64.getDecoder().decode(c.data());
    } catch (IllegalArgumentException e) {
      throw DwException.invalidArgument("snapshot chunk of transfer " + c.transfer() + ": data is not base64");
    }
    CRC32C crc = new CRC32C();
    crc.update(data);
    if ((int) crc.getValue() != c.crc32c()) {
      throw DwException.integrity(String.format("snapshot chunk of transfer %s at offset %d: CRC32C 0x%08x does not match the sent 0x%08x", c.transfer(), c.offset(), (int) crc.getValue(), c.crc32c()));
    }
    if (c.offset() + data.length > c.capacity()) {
      throw DwException.invalidArgument("snapshot chunk of transfer " + c.transfer() + " ends at " + (c.offset() + data.length) + ", past the image size " + c.capacity());
    }
    Path dir = root.resolve("incoming").resolve(c.transfer());
    Path part = dir.resolve("image.part");
    try {
      Files.createDirectories(dir);
      try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
        AtomicFiles.writeFully(ch, ByteBuffer.wrap(data), c.offset());
        if (!c.last()) {
          return new SnapshotChunk.Ack(c.transfer(), c.offset() + data.length, false, null);
        }
        if (ch.size() != c.capacity()) {
          throw DwException.integrity("snapshot transfer " + c.transfer() + " ended with " + ch.size() + " of " + c.capacity() + " bytes");
        }
        ch.force(true);
      }
      String actual = sha256(part);
      if (!actual.equals(c.sha256())) {
        throw DwException.integrity("snapshot transfer " + c.transfer() + ": the image's SHA-256 " + actual + " does not match the sent " + c.sha256());
      }
      String id = c.snapshot() + "@" + c.sourceArray().substring(0, Math.min(8, c.sourceArray().length()));
      Path target = root.resolve(id);
      if (Files.exists(target)) {
        throw DwException.of(ErrorCode.ALREADY_EXISTS, "a received snapshot " + id + " exists already in " + root);
      }
      Received r = new Received(id, c.snapshot(), c.sourceArray(), c.capacity(), c.blockSize(), actual, now);
      FramedFile.write(dir.resolve("meta.dat"), META_MAGIC, 1, Json.toBytes(r));
      Files.move(part, dir.resolve("image.dat"));
      Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.fsyncDirectory(root);
      return new SnapshotChunk.Ack(c.transfer(), c.capacity(), true, id);
    } catch (IOException e) {
      throw DwException.unavailable("cannot store snapshot transfer " + c.transfer() + " in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The complete received snapshots. */
  public synchronized List<Received> list() {
    List<Received> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        if (Files.exists(d.resolve("meta.dat"))) {
          out.add(meta(d));
        }
      }
    } catch (IOException e) {
      throw DwException.unavailable("cannot list " + root + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static Received meta(Path d) {
    Path f = d.resolve("meta.dat");
    return Json.fromBytes(FramedFile.read(f, META_MAGIC, 1, 1).body(), Received.class, f.toString());
  }

  /** Writes received snapshot {@code id} into {@code array} (same capacity), after checking its SHA-256. */
  public synchronized void restore(String id, RaidArray array) {
    if (!SAFE.matcher(id).matches() || !Files.exists(root.resolve(id).resolve("meta.dat"))) {
      throw DwException.notFound("no received snapshot '" + id + "' in " + root);
    }
    Path d = root.resolve(id);
    Received r = meta(d);
    if (r.capacity() != array.capacity()) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "received snapshot " + id + " holds " + r.capacity() + " bytes but the array has " + array.capacity());
    }
    Path image = d.resolve("image.dat");
    try {
      if (!sha256(image).equals(r.sha256())) {
        throw DwException.integrity(image + ": SHA-256 does not match the one recorded at receipt; the copy is corrupt");
      }
      try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
        byte[] buf = new byte[1 << 20];
        for (long pos = 0; pos < r.capacity(); pos += buf.length) {
          int n = (int) Math.min(buf.length, r.capacity() - pos);
          ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
          AtomicFiles.readFully(ch, b, pos);
          array.write(pos, buf, 0, n);
        }
      }
      array.flush();
    } catch (IOException e) {
      throw DwException.unavailable("cannot read " + image + ": " + e.getMessage(), e);
    }
  }

  static String sha256(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      ByteBuffer b = ByteBuffer.allocate(1 << 20);
      while (ch.read(b) > 0) {
        b.flip();
        md.update(b);
        b.clear();
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw DwException.internal("SHA-256 is not available", e);
    }
  }
}
