package io.datawarehouse.tamperproof.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The in-memory read ({@link RecordFiles#readAll}) and the verification ({@link RecordFiles#verify})
 * against the streaming read, across their chunk boundaries, and on data files whose size does not
 * fit the ledger's.
 */
class RecordFilesTest {
  @TempDir Path dir;

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4096, 128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 300 * 1024 + 7})
  void readAll_returnsTheBytesAndDigestTheStreamingReadDoes(int size) throws Exception {
    RecordFiles files = new RecordFiles(dir);
    byte[] data = new byte[size];
    new SplittableRandom(size).nextBytes(data);
    RecordFiles.Digest written = files.write("r" + size, new ByteArrayInputStream(data), 1 << 20, size);
    assertThat(written.sha256()).isEqualTo(sha256(data));
    assertThat(Files.exists(files.dataFile("r" + size))).isTrue();

    RecordFiles.Content c = files.readAll("r" + size, size);
    assertThat(c.bytes()).isEqualTo(data);
    assertThat(c.digest()).isEqualTo(written);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(files.read("r" + size, out)).isEqualTo(written);
    assertThat(out.toByteArray()).isEqualTo(data);
    assertThat(files.verify("r" + size, size)).isEqualTo(written);
  }

  /**
   * The digest a write returns is the SHA-256 of the content, and the file holds exactly it, across
   * the write buffer's boundaries, with the length announced or not, from a stream that hands out
   * odd-sized pieces.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 5, 64 * 1024 - 40, 64 * 1024, 100_000, 256 * 1024 - 30, 256 * 1024, 256 * 1024 + 1, 1 << 20,
      (6 << 20) + 11})
  void write_digestIsTheContentsSha256_acrossBufferBoundaries(int size) throws Exception {
    byte[] data = new byte[size];
    new SplittableRandom(size + 1).nextBytes(data);
    // with O_DIRECT where this file system allows it, and through the page cache
    for (boolean direct : new boolean[] {true, false}) {
      RecordFiles files = new RecordFiles(dir.resolve("direct-" + direct), direct);
      if (!direct) {
        assertThat(files.directIo()).isFalse();
      } else if (Files.getFileStore(dir).type().equals("ext4")) {
        assertThat(files.directIo()).as("O_DIRECT on ext4").isTrue();
      }
      writeAndCheck(files, data, size);
    }
  }

  private void writeAndCheck(RecordFiles files, byte[] data, int size) throws Exception {
    for (boolean announced : new boolean[] {true, false}) {
      String id = "w" + size + announced;
      // a stream that hands out odd-sized pieces, as a socket would
      java.io.InputStream in = new java.io.FilterInputStream(new ByteArrayInputStream(data)) {
        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
          return super.read(b, off, Math.min(len, 70_001));
        }
      };
      RecordFiles.Digest written = files.write(id, in, 16 << 20, announced ? size : -1);
      assertThat(written.sha256()).as("announced=%s", announced).isEqualTo(sha256(data));
      assertThat(written.size()).isEqualTo(size);
      assertThat(files.verify(id, size)).isEqualTo(written);
      assertThat(files.readAll(id, size).bytes()).isEqualTo(data);
    }
  }

  /**
   * Content over the size limit, longer or shorter than announced, or whose stream fails part way: refused
   * with the reason, and no data file is left (small content is hashed inline, content of more
   * than one buffer on a second thread).
   */
  @ParameterizedTest
  @ValueSource(ints = {1000, 256 * 1024 + 1, (3 << 20) + 5})
  void refusedContent_leavesNoFile(int size) throws Exception {
    byte[] data = new byte[size];
    new SplittableRandom(size).nextBytes(data);
    for (boolean direct : new boolean[] {true, false}) {
      refusals(new RecordFiles(dir.resolve("direct-" + direct), direct), data, size);
    }
  }

  private void refusals(RecordFiles files, byte[] data, int size) throws Exception {
    // over the limit, length not announced
    assertThatThrownBy(() -> files.write("big" + size, new ByteArrayInputStream(data), size - 1, -1))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("larger than the limit");
    assertThat(files.exists("big" + size)).isFalse();
    // longer than announced
    assertThatThrownBy(() -> files.write("long" + size, new ByteArrayInputStream(data), 16 << 20, size - 1))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("longer than");
    assertThat(files.exists("long" + size)).isFalse();
    // shorter than announced
    assertThatThrownBy(() -> files.write("short" + size, new ByteArrayInputStream(data), 16 << 20, size + 1))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("ended after " + size);
    assertThat(files.exists("short" + size)).isFalse();
    // the stream fails after most of the content
    java.io.InputStream failing = new java.io.FilterInputStream(new ByteArrayInputStream(data, 0, size - 10)) {
      @Override
      public int read(byte[] b, int off, int len) throws java.io.IOException {
        int n = super.read(b, off, len);
        if (n < 0) {
          throw new java.io.IOException("connection reset");
        }
        return n;
      }
    };
    assertThatThrownBy(() -> files.write("cut" + size, failing, 16 << 20, size))
        .isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE))
        .hasMessageContaining("connection reset");
    assertThat(files.exists("cut" + size)).isFalse();
    // and the same id can then be written whole
    RecordFiles.Digest ok = files.write("cut" + size, new ByteArrayInputStream(data), 16 << 20, size);
    assertThat(ok.sha256()).isEqualTo(sha256(data));
    assertThat(files.verify("cut" + size, size)).isEqualTo(ok);
  }

  /**
   * Files whose whole length (header and content) ends at, just before or just after a multiple of
   * the read buffer (one, two, three and eight buffers' worth).
   */
  @ParameterizedTest
  @ValueSource(ints = {-1, 0, 1})
  void verify_atTheReadBuffersBoundaries_hashesWhatWasWritten(int delta) throws Exception {
    RecordFiles files = new RecordFiles(dir);
    for (int buffers : new int[] {1, 2, 3, 8}) {
      String id = "boundary" + buffers;
      int headerLen = 4 + 2 + 2 + id.length() + 8;
      int size = buffers * 128 * 1024 - headerLen + delta;
      byte[] data = new byte[size];
      new SplittableRandom(delta + buffers).nextBytes(data);
      RecordFiles.Digest written = files.write(id, new ByteArrayInputStream(data), 2 << 20, size);
      assertThat(Files.size(files.dataFile(id))).isEqualTo(buffers * 128L * 1024 + delta);
      assertThat(files.verify(id, size)).as("%d buffers", buffers).isEqualTo(written);
      assertThat(files.readAll(id, size).bytes()).isEqualTo(data);
      assertThat(files.verify(id, size - 1)).as("the file is longer").isNull();
      assertThat(files.verify(id, size + 1)).as("the file is shorter").isNull();
      assertThat(files.readAll(id, size - 1)).isNull();
      assertThat(files.readAll(id, size + 1)).isNull();
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void anInterruptedRead_failsUnavailable_keepsTheInterrupt_andLeavesTheFileReadable(boolean keep) throws Exception {
    RecordFiles files = new RecordFiles(dir);
    int size = 1 << 20;
    byte[] data = new byte[size];
    new SplittableRandom(3).nextBytes(data);
    RecordFiles.Digest written = files.write("big", new ByteArrayInputStream(data), 2 << 20, size);
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> {
        if (keep) {
          files.readAll("big", size);
        } else {
          files.verify("big", size);
        }
      }).isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(files.verify("big", size)).isEqualTo(written);
    assertThat(files.readAll("big", size).bytes()).isEqualTo(data);
  }

  @ParameterizedTest
  @ValueSource(ints = {1000, 3 * 128 * 1024})
  void verify_ofAChangedByte_givesAnotherDigest(int size) throws Exception {
    RecordFiles files = new RecordFiles(dir);
    byte[] data = new byte[size];
    new SplittableRandom(size).nextBytes(data);
    RecordFiles.Digest written = files.write("c", new ByteArrayInputStream(data), 1 << 20, size);
    Path f = files.dataFile("c");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    byte[] raw = Files.readAllBytes(f);
    raw[raw.length - size / 2] ^= 0x40;
    Files.write(f, raw);
    data[size - size / 2] ^= 0x40;
    RecordFiles.Digest d = files.verify("c", size);
    assertThat(d.sha256()).isNotEqualTo(written.sha256()).isEqualTo(sha256(data));
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 1})
  void aFileLongerOrShorterThanTheLedgerSays_isLeftToTheStreamingRead_whichNamesIt(int delta) throws Exception {
    RecordFiles files = new RecordFiles(dir);
    byte[] data = new byte[5000];
    files.write("x", new ByteArrayInputStream(data), 1 << 20, data.length);
    Path f = files.dataFile("x");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      if (delta < 0) {
        ch.truncate(ch.size() - 1);
      } else {
        ch.write(java.nio.ByteBuffer.wrap(new byte[] {1}), ch.size());
      }
    }
    assertThat(files.readAll("x", data.length)).isNull();
    assertThat(files.verify("x", data.length)).isNull();
    assertThatThrownBy(() -> files.read("x", null)).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY));
  }

  @ParameterizedTest
  @ValueSource(strings = {"missing", "other"})
  void aMissingOrForeignFile_isAnIntegrityError(String what) throws Exception {
    RecordFiles files = new RecordFiles(dir);
    byte[] data = new byte[100];
    files.write("a", new ByteArrayInputStream(data), 1 << 20, data.length);
    files.write("b", new ByteArrayInputStream(data), 1 << 20, data.length);
    Path fa = files.dataFile("a");
    Files.setPosixFilePermissions(fa.getParent(), PosixFilePermissions.fromString("rwx------"));
    Files.delete(fa);
    if (what.equals("other")) {
      Files.createDirectories(fa.getParent());
      Files.copy(files.dataFile("b"), fa); // same size, another record's header
    }
    assertThatThrownBy(() -> files.readAll("a", data.length)).isInstanceOfSatisfying(DwException.class,
        e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.INTEGRITY));
    assertThatThrownBy(() -> files.verify("a", data.length)).isInstanceOfSatisfying(DwException.class, e -> {
      assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.INTEGRITY);
      assertThat(e.getCause() instanceof java.nio.file.NoSuchFileException).isEqualTo(what.equals("missing"));
    });
  }
}
