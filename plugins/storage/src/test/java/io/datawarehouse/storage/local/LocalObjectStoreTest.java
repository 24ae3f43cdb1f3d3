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
}
