package io.datawarehouse.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.storage.ByteRange;
import io.datawarehouse.storage.ListRequest;
import io.datawarehouse.storage.ObjectContent;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreContractTest;
import io.datawarehouse.storage.ObjectStoreProvider;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.Retention;
import io.datawarehouse.storage.RetentionMode;
import io.datawarehouse.storage.TestData;
import io.datawarehouse.testkit.ManualTime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreTest extends ObjectStoreContractTest {
  @TempDir
  Path dir;

  private final ManualTime time = new ManualTime(Instant.now());

  @Override
  protected ObjectStore newStore() {
    return LocalObjectStore.open("test", dir, time);
  }

  @Override
  protected WormSupport wormSupport() {
    return WormSupport.ENFORCED;
  }

  @Override
  protected Instant now() {
    return time.now();
  }

  @Override
  protected boolean advanceTime(Duration d) {
    time.advance(d);
    return true;
  }

  private Path fileOf(String key) throws IOException {
    try (Stream<Path> s = Files.walk(dir.resolve("objects"))) {
      return s.filter(f -> f.getFileName().toString().endsWith("@o")).filter(f -> f.toString().contains(
          KeyPaths.encodeSegment(key.substring(key.lastIndexOf('/') + 1)))).findFirst().orElseThrow();
    }
  }

  private static void flipByte(Path f, long pos) throws IOException {
    f.toFile().setWritable(true);
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.seek(pos);
      int b = raf.read();
      raf.seek(pos);
      raf.write(b ^ 0x40);
    }
  }

  @Test
  void get_flippedContentByte_fullReadFailsWithIntegrityRangeReadStillServes() throws IOException {
    byte[] data = TestData.bytes(1, 5000);
    putBytes(p + "flip", data);
    flipByte(fileOf(p + "flip"), ObjectFile.HEADER + 4000);
    assertCode(() -> getBytes(p + "flip"), ErrorCode.INTEGRITY);
    try (ObjectContent c = store.get(p + "flip", ByteRange.of(0, 100))) {
      assertThat(c.readAllBytes()).isEqualTo(java.util.Arrays.copyOf(data, 100));
    }
  }

  @Test
  void stat_corruptFooter_integrityNamingTheFile() throws IOException {
    putBytes(p + "meta", TestData.bytes(2, 100));
    Path f = fileOf(p + "meta");
    flipByte(f, Files.size(f) - 20);
    assertCode(() -> store.stat(p + "meta"), ErrorCode.INTEGRITY);
    Files.write(f, new byte[] {1, 2, 3});
    assertCode(() -> store.stat(p + "meta"), ErrorCode.INTEGRITY);
  }

  @Test
  void put_worm_makesFileReadOnly() throws IOException {
    store.put(p + "ro", new ByteArrayInputStream(new byte[] {1}), 1,
        PutOptions.DEFAULT.withRetention(new Retention(RetentionMode.COMPLIANCE, now().plus(Duration.ofDays(1)))));
    assertThat(Files.getPosixFilePermissions(fileOf(p + "ro")))
        .doesNotContain(PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
  }

  @Test
  void worm_stateSurvivesReopen() {
    putBytes(p + "keep", new byte[] {1});
    store.worm().setLegalHold(p + "keep", true);
    store.close();
    store = newStore();
    assertThat(store.stat(p + "keep").worm().legalHold()).isTrue();
    assertCode(() -> store.delete(p + "keep"), ErrorCode.RETENTION_LOCKED);
  }

  @Test
  void worm_sidecarOfReplacedObject_notApplied() {
    putBytes(p + "s", new byte[] {1});
    store.worm().setLegalHold(p + "s", true);
    store.worm().setLegalHold(p + "s", false);
    store.put(p + "s", new ByteArrayInputStream(new byte[] {2}), 1,
        PutOptions.DEFAULT.withRetention(new Retention(RetentionMode.COMPLIANCE, now().plus(Duration.ofDays(1)))));
    assertThat(store.stat(p + "s").worm().retention()).isNotNull();
    assertCode(() -> store.delete(p + "s"), ErrorCode.RETENTION_LOCKED);
  }

  @Test
  void open_secondOpenOfSameDirectory_failedPrecondition() {
    assertCode(() -> LocalObjectStore.open("other", dir, time), ErrorCode.FAILED_PRECONDITION);
  }

  @Test
  void open_leftoverTemporaryFiles_removed() throws IOException {
    putBytes(p + "a/b", new byte[] {1});
    Path parent = fileOf(p + "a/b").getParent();
    Path tmp = parent.resolve(AtomicFiles.TEMP_PREFIX + "b@o-dead");
    Files.write(tmp, new byte[] {1, 2, 3});
    store.close();
    store = newStore();
    assertThat(tmp).doesNotExist();
    assertThat(getBytes(p + "a/b")).containsExactly(1);
  }

  @Test
  void put_segmentTooLongForFileName_invalidArgument() {
    assertCode(() -> putBytes(p + "é".repeat(100), new byte[] {1}), ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void delete_lastObjectOfDirectory_prunesDirectories() throws IOException {
    putBytes(p + "x/y/z", new byte[] {1});
    store.delete(p + "x/y/z");
    try (Stream<Path> s = Files.list(dir.resolve("objects"))) {
      assertThat(s.toList()).isEmpty();
    }
  }

  @Test
  void provider_foundByType() {
    assertThat(ObjectStoreProvider.forType("local", getClass().getClassLoader())).isInstanceOf(LocalStoreProvider.class);
    assertCode(() -> ObjectStoreProvider.forType("nope", getClass().getClassLoader()), ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void list_ignoresForeignFiles() throws IOException {
    putBytes(p + "k", new byte[] {1});
    Files.write(dir.resolve("objects").resolve("README@x"), new byte[] {1});
    assertThat(store.list(ListRequest.prefix("")).objects()).hasSize(1);
  }

  /** Rewrites an object's file in format version 1 (JSON footer), as the store wrote it before. */
  private static void rewriteAsVersion1(Path f) throws IOException {
    ObjectFile.Meta meta;
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
      meta = ObjectFile.readMeta(ch, f);
    }
    byte[] all = Files.readAllBytes(f);
    java.nio.ByteBuffer trailer = ObjectFile.trailer(meta, ObjectFile.VERSION_JSON);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.nio.ByteBuffer h = ObjectFile.header(ObjectFile.VERSION_JSON);
    out.write(h.array(), 0, h.remaining());
    out.write(all, ObjectFile.HEADER, (int) meta.size());
    out.write(trailer.array(), 0, trailer.remaining());
    Files.write(f, out.toByteArray());
  }

  private static int versionOf(Path f) throws IOException {
    byte[] all = Files.readAllBytes(f);
    return ((all[4] & 0xFF) << 8) | (all[5] & 0xFF);
  }

  @Test
  void put_writesVersion2() throws IOException {
    putBytes(p + "v2", new byte[] {1, 2});
    assertThat(versionOf(fileOf(p + "v2"))).isEqualTo(ObjectFile.VERSION);
  }

  @Test
  void get_objectsOfVersion1_stillReadStatAndListed() throws IOException {
    java.util.Map<String, String> md = java.util.Map.of("owner", "ops", "tier", "hot");
    PutOptions opts = PutOptions.DEFAULT.withContentType("text/plain").withMetadata(md);
    for (int size : new int[] {0, 5000, 300_000}) {
      String key = p + "old/v1-" + size;
      byte[] data = TestData.bytes(size, size);
      store.put(key, new ByteArrayInputStream(data), size, opts);
      Path f = fileOf(key);
      rewriteAsVersion1(f);
      assertThat(versionOf(f)).isEqualTo(ObjectFile.VERSION_JSON);
      assertThat(getBytes(key)).isEqualTo(data);
      assertThat(store.stat(key).metadata()).isEqualTo(md);
      assertThat(store.stat(key).contentType()).isEqualTo("text/plain");
      if (size > 0) {
        try (ObjectContent c = store.get(key, ByteRange.of(1, 3))) {
          assertThat(c.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(data, 1, 4));
        }
      }
    }
    assertThat(store.list(ListRequest.prefix(p + "old/")).objects()).hasSize(3);
  }

  @Test
  void get_version1FlippedContentByte_integrity() throws IOException {
    byte[] data = TestData.bytes(3, 5000);
    putBytes(p + "old1", data);
    Path f = fileOf(p + "old1");
    rewriteAsVersion1(f);
    flipByte(f, ObjectFile.HEADER + 10);
    assertCode(() -> getBytes(p + "old1"), ErrorCode.INTEGRITY);
  }

  @Test
  void get_largeObjectFlippedContentByte_fullReadFailsWithIntegrity() throws IOException {
    byte[] data = TestData.bytes(4, 300_000);
    putBytes(p + "big", data);
    flipByte(fileOf(p + "big"), ObjectFile.HEADER + 299_999);
    assertCode(() -> getBytes(p + "big"), ErrorCode.INTEGRITY);
    try (ObjectContent c = store.get(p + "big", ByteRange.of(100, 50))) {
      assertThat(c.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(data, 100, 150));
    }
  }

  @Test
  void get_truncatedLargeObject_integrity() throws IOException {
    putBytes(p + "cut", TestData.bytes(5, 300_000));
    Path f = fileOf(p + "cut");
    f.toFile().setWritable(true);
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(200_000);
    }
    assertCode(() -> getBytes(p + "cut"), ErrorCode.INTEGRITY);
    assertCode(() -> store.stat(p + "cut"), ErrorCode.INTEGRITY);
  }

  @Test
  void metadataLongerThanOneTailRead_roundTrips() throws IOException {
    java.util.Map<String, String> md = new java.util.HashMap<>();
    for (int i = 0; i < 400; i++) {
      md.put(String.format("m%02d", i % 100) + (char) ('a' + i / 100), "v"); // 4 + 1 bytes each
    }
    byte[] data = TestData.bytes(6, 100_000);
    String key = p + "many-" + "k".repeat(150);
    store.put(key, new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT.withMetadata(md));
    Path f = fileOf(key);
    assertThat(Files.size(f) - ObjectFile.HEADER - data.length).isGreaterThan(4096);
    store.close();
    store = newStore();
    assertThat(store.stat(key).metadata()).isEqualTo(md);
    assertThat(getBytes(key)).isEqualTo(data);
    flipByte(f, Files.size(f) - ObjectFile.FOOTER - 4000);
    assertCode(() -> store.stat(key), ErrorCode.INTEGRITY);
  }

  @Test
  void wormStateAndRetentionSurviveTheBinaryFooter() {
    Instant until = now().plus(Duration.ofDays(3)).plusNanos(123_456_789);
    store.put(p + "wb", new ByteArrayInputStream(new byte[] {9}), 1, PutOptions.DEFAULT
        .withRetention(new Retention(RetentionMode.GOVERNANCE, until)).withLegalHold(true));
    store.close();
    store = newStore();
    var worm = store.stat(p + "wb").worm();
    assertThat(worm.retention()).isEqualTo(new Retention(RetentionMode.GOVERNANCE, until));
    assertThat(worm.legalHold()).isTrue();
    assertCode(() -> store.delete(p + "wb"), ErrorCode.RETENTION_LOCKED);
  }
}
