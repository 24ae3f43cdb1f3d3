package io.datawarehouse.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.storage.RetentionMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectFileTest {
  @TempDir
  Path dir;

  private static final ObjectFile.Meta FULL = new ObjectFile.Meta("a/é/b", "0123456789abcdef01234567", 3,
      "ab".repeat(32), "text/plain", Map.of("x", "1", "y", ""), Instant.ofEpochSecond(1_700_000_000L, 5),
      RetentionMode.COMPLIANCE, Instant.ofEpochSecond(1_800_000_000L, 999_999_999), true);
  private static final ObjectFile.Meta BARE = new ObjectFile.Meta("k", "id", 3, "cd".repeat(32), null, Map.of(),
      Instant.ofEpochSecond(-5, 0), null, null, false);

  private Path write(ObjectFile.Meta meta, int version) throws IOException {
    Path f = dir.resolve("o-" + version + "-" + meta.key().length());
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ObjectFile.header(version));
      ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      ch.write(ObjectFile.trailer(meta, version));
    }
    return f;
  }

  private static ObjectFile.Opened open(Path f, int wholeLimit) throws IOException {
    try (FileChannel ch = FileChannel.open(f)) {
      return ObjectFile.open(ch, f, wholeLimit);
    }
  }

  @Test
  void binaryAndJsonFooters_decodeToTheSameMeta_wholeOrNot() throws IOException {
    for (ObjectFile.Meta m : new ObjectFile.Meta[] {FULL, BARE}) {
      for (int version : new int[] {ObjectFile.VERSION, ObjectFile.VERSION_JSON}) {
        Path f = write(m, version);
        ObjectFile.Opened whole = open(f, 1 << 20);
        assertThat(whole.meta()).as("version %d", version).isEqualTo(m);
        assertThat(whole.whole()).isEqualTo(Files.readAllBytes(f));
        ObjectFile.Opened part = open(f, 0);
        assertThat(part.meta()).isEqualTo(m);
        assertThat(part.whole()).isNull();
      }
    }
  }

  @Test
  void headerAndFooterVersionsDiffer_integrity() throws IOException {
    Path f = write(BARE, ObjectFile.VERSION);
    byte[] b = Files.readAllBytes(f);
    b[5] = (byte) ObjectFile.VERSION_JSON;
    Files.write(f, b);
    assertThatThrownBy(() -> open(f, 0)).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INTEGRITY));
  }

  @Test
  void undecodableBinaryMetadataWithValidCrc_integrity() throws IOException {
    byte[] body = ObjectFile.encode(BARE);
    byte[] bad = java.util.Arrays.copyOf(body, body.length + 1); // a byte after the last field
    CRC32C crc = new CRC32C();
    crc.update(bad);
    Path f = dir.resolve("bad");
    ByteBuffer all = ByteBuffer.allocate(ObjectFile.HEADER + 3 + bad.length + ObjectFile.FOOTER);
    all.put(ObjectFile.header()).put(new byte[] {1, 2, 3}).put(bad).putInt(bad.length).putInt((int) crc.getValue())
        .putShort((short) ObjectFile.VERSION).putShort((short) 0).putInt(ObjectFile.MAGIC);
    Files.write(f, all.array());
    for (int limit : new int[] {0, 1 << 20}) {
      assertThatThrownBy(() -> open(f, limit)).isInstanceOf(DwException.class)
          .hasMessageContaining("cannot be decoded")
          .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INTEGRITY));
    }
  }
}
