package io.datawarehouse.raid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.raid.internal.disk.DiskLayout;
import io.datawarehouse.raid.internal.disk.Superblock;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The stale-disk rule: after a clean close every member must be at the newest generation, so an
 * old copy of a disk is never trusted; a crash in the middle of a superblock update still
 * assembles without resyncing anything.
 */
class StaleDiskTest {
  static final long SEED = Long.getLong("dw.test.seed", System.nanoTime());
  static final ArraySpec RAID6 = ArraySpec.of(RaidLevel.RAID6, 5, ArrayConfigs.DISK, ArrayConfigs.BLOCK);

  @TempDir
  Path tmp;

  static Stream<Arguments> redundant() {
    return ArrayConfigs.redundant().stream().map(s -> Arguments.of(ArrayConfigs.label(s), s));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("redundant")
  void oldCopyTakenWhileOpen_putBackAfterCleanClose_isStaleResyncedAndNeverTrusted(String label, ArraySpec spec) throws IOException {
    SplittableRandom rnd = new SplittableRandom(SEED ^ label.hashCode());
    Path disk = tmp.resolve("disk-0.img");
    Path backup = tmp.resolve("old-copy");
    byte[] ref;
    try (RaidArray a = RaidArray.create(tmp, spec)) {
      ref = RaidArrayTest.randomWrites(a, rnd, 10);
      a.flush();
      Files.copy(disk, backup); // a copy of a disk taken while the array is open
      RaidArrayTest.fillRandom(a, ref, rnd, 10);
    }
    Files.move(backup, disk, StandardCopyOption.REPLACE_EXISTING);
    List<RaidEvent> events = new ArrayList<>();
    try (RaidArray a = RaidArray.open(tmp)) {
      a.addListener(events::add);
      assertThat(events).extracting(RaidEvent::type).contains(RaidEvent.DISK_STALE);
      assertThat(events.stream().filter(e -> e.type().equals(RaidEvent.DISK_STALE))).extracting(RaidEvent::disk).containsExactly(0);
      assertThat(a.status().members().get(0).state()).isEqualTo("rebuilding");
      RaidArrayTest.assertContent(a, ref, label + " stale disk not trusted");
      a.rebuild(Progress.Listener.NONE, 0);
      assertThat(a.status().state()).isEqualTo("optimal");
      assertThat(a.scrub(false, Progress.Listener.NONE).clean()).isTrue();
    }
    assertThat(events).extracting(RaidEvent::type).contains(RaidEvent.REBUILD_FINISHED);
    // the resynced disk now carries its share: lose another one and read everything
    Files.delete(tmp.resolve(spec.level() == RaidLevel.RAID10 ? "disk-1.img" : "disk-" + (spec.disks() - 1) + ".img"));
    try (RaidArray a = RaidArray.open(tmp)) {
      RaidArrayTest.assertContent(a, ref, label + " resynced disk carries the data");
    }
  }

  @Test
  void cleanClose_everyDiskAtTheNewestGeneration_nothingStale() throws IOException {
    byte[] ref;
    try (RaidArray a = RaidArray.create(tmp, RAID6)) {
      ref = RaidArrayTest.randomWrites(a, new SplittableRandom(SEED), 5);
    }
    long g = -1;
    for (int i = 0; i < RAID6.disks(); i++) {
      Superblock sb = superblock(tmp.resolve("disk-" + i + ".img"));
      assertThat(sb.state()).isEqualTo(Superblock.CLEAN);
      g = g < 0 ? sb.generation() : g;
      assertThat(sb.generation()).isEqualTo(g);
    }
    List<RaidEvent> events = new ArrayList<>();
    try (RaidArray a = RaidArray.open(tmp)) {
      a.addListener(events::add);
      assertThat(a.status().state()).isEqualTo("optimal");
      assertThat(a.status().generation()).isEqualTo(g + 1);
      RaidArrayTest.assertContent(a, ref, "reopened");
    }
    assertThat(events).extracting(RaidEvent::type).doesNotContain(RaidEvent.DISK_STALE);
  }

  /**
   * Superblock slots (both) of every disk, as they are while the array is open: restoring them on
   * a disk after a close makes that disk look as if the close never reached it.
   */
  private byte[][] saveSlots(int disks) throws IOException {
    byte[][] out = new byte[disks][];
    for (int i = 0; i < disks; i++) {
      try (RandomAccessFile f = new RandomAccessFile(tmp.resolve("disk-" + i + ".img").toFile(), "r")) {
        out[i] = new byte[2 * DiskLayout.SUPERBLOCK_SLOT];
        f.readFully(out[i]);
      }
    }
    return out;
  }

  /** Writes back slot {@code slot} (0 or 1) of disk {@code i} as saved. */
  private void restoreSlot(byte[][] saved, int i, int slot) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(tmp.resolve("disk-" + i + ".img").toFile(), "rw")) {
      f.seek((long) slot * DiskLayout.SUPERBLOCK_SLOT);
      f.write(saved[i], slot * DiskLayout.SUPERBLOCK_SLOT, DiskLayout.SUPERBLOCK_SLOT);
    }
  }

  @Test
  void crashInTheSecondRoundOfTheClose_disksOneBehindInStateClosing_areTrusted() throws IOException {
    byte[] ref;
    byte[][] saved;
    long open;
    try (RaidArray a = RaidArray.create(tmp, RAID6)) {
      ref = RaidArrayTest.randomWrites(a, new SplittableRandom(SEED ^ 2), 5);
      open = a.status().generation();
      saved = saveSlots(RAID6.disks());
    }
    // the close wrote open+1 (closing) and open+2 (clean, into the slot of open); on disks 1..4 the
    // second round never happened: their slot of open still holds the open superblock
    int slotOfOpen = (int) (open & 1);
    for (int i = 1; i < RAID6.disks(); i++) {
      restoreSlot(saved, i, slotOfOpen);
      assertThat(superblock(tmp.resolve("disk-" + i + ".img")).state()).isEqualTo(Superblock.CLOSING);
    }
    assertThat(superblock(tmp.resolve("disk-0.img")).state()).isEqualTo(Superblock.CLEAN);
    List<RaidEvent> events = new ArrayList<>();
    try (RaidArray a = RaidArray.open(tmp)) {
      a.addListener(events::add);
      assertThat(a.status().state()).isEqualTo("optimal");
      RaidArrayTest.assertContent(a, ref, "after a crash in the second round of the close");
    }
    assertThat(events).extracting(RaidEvent::type).doesNotContain(RaidEvent.DISK_STALE);
  }

  @Test
  void crashInTheFirstRoundOfTheClose_disksOneBehind_areTolerated() throws IOException {
    byte[] ref;
    byte[][] saved;
    try (RaidArray a = RaidArray.create(tmp, RAID6)) {
      ref = RaidArrayTest.randomWrites(a, new SplittableRandom(SEED ^ 3), 5);
      saved = saveSlots(RAID6.disks());
    }
    // disk 0 got the first round (closing) only; disks 1..4 got nothing of the close (active)
    long open = superblock(tmp.resolve("disk-0.img")).generation() - 2;
    restoreSlot(saved, 0, (int) (open & 1));
    for (int i = 1; i < RAID6.disks(); i++) {
      restoreSlot(saved, i, 0);
      restoreSlot(saved, i, 1);
      assertThat(superblock(tmp.resolve("disk-" + i + ".img")).state()).isEqualTo(Superblock.ACTIVE);
    }
    assertThat(superblock(tmp.resolve("disk-0.img")).state()).isEqualTo(Superblock.CLOSING);
    List<RaidEvent> events = new ArrayList<>();
    try (RaidArray a = RaidArray.open(tmp)) {
      a.addListener(events::add);
      assertThat(a.status().state()).isEqualTo("optimal");
      RaidArrayTest.assertContent(a, ref, "after a crash in the first round of the close");
    }
    assertThat(events).extracting(RaidEvent::type).doesNotContain(RaidEvent.DISK_STALE);
  }

  @Test
  void uncleanStop_oneBehindIsTolerated_twoBehindIsStale() throws IOException {
    byte[] ref;
    byte[][] saved;
    RaidArray a = RaidArray.create(tmp, RAID6);
    ref = RaidArrayTest.randomWrites(a, new SplittableRandom(SEED ^ 5), 5);
    a.flush();
    saved = saveSlots(RAID6.disks());
    a.fail(4); // generation +1 on disks 0..3
    a.replace(4); // +1 again
    a.rebuild(Progress.Listener.NONE, 0); // +1
    long g = a.status().generation();
    a.engine().abandon(); // the process dies
    // disk 1 missed the last update (its slot of g holds g - 2), disk 2 missed the last two
    restoreSlot(saved, 1, (int) (g & 1));
    restoreSlot(saved, 2, (int) (g & 1));
    restoreSlot(saved, 2, (int) ((g - 1) & 1));
    assertThat(superblock(tmp.resolve("disk-1.img")).generation()).isEqualTo(g - 1);
    assertThat(superblock(tmp.resolve("disk-2.img")).generation()).isLessThan(g - 1);
    List<RaidEvent> events = new ArrayList<>();
    try (RaidArray b = RaidArray.open(tmp)) {
      b.addListener(events::add);
      assertThat(b.status().members().get(1).state()).isEqualTo("active");
      assertThat(b.status().members().get(2).state()).isEqualTo("rebuilding");
      RaidArrayTest.assertContent(b, ref, "after an unclean stop with disks behind");
    }
    assertThat(events.stream().filter(e -> e.type().equals(RaidEvent.DISK_STALE))).extracting(RaidEvent::disk).containsExactly(2);
  }

  @Test
  void oneGenerationBehindACleanClose_notInStateClosing_isStale() throws IOException {
    byte[] ref;
    try (RaidArray a = RaidArray.create(tmp, RAID6)) {
      ref = RaidArrayTest.randomWrites(a, new SplittableRandom(SEED ^ 6), 5);
    }
    Path disk = tmp.resolve("disk-3.img");
    Superblock sb = superblock(disk);
    // as a disk would look that stopped one update before the close, in the middle of a session
    rewriteNewestSlot(disk, 2, sb.with(sb.diskId(), sb.role(), sb.generation() - 1, Superblock.ACTIVE, sb.members()));
    List<RaidEvent> events = new ArrayList<>();
    try (RaidArray a = RaidArray.open(tmp)) {
      a.addListener(events::add);
      assertThat(a.status().members().get(3).state()).isEqualTo("rebuilding");
      RaidArrayTest.assertContent(a, ref, "disk one behind a clean close");
    }
    assertThat(events.stream().filter(e -> e.type().equals(RaidEvent.DISK_STALE))).extracting(RaidEvent::disk).containsExactly(3);
  }

  @Test
  void version1Superblocks_areRead_andRewrittenInVersion2() throws IOException {
    byte[] ref;
    try (RaidArray a = RaidArray.create(tmp, RAID6)) {
      ref = RaidArrayTest.randomWrites(a, new SplittableRandom(SEED ^ 4), 5);
    }
    for (int i = 0; i < RAID6.disks(); i++) {
      rewriteNewestSlot(tmp.resolve("disk-" + i + ".img"), 1);
      assertThat(slotVersion(tmp.resolve("disk-" + i + ".img"))).isEqualTo(1);
    }
    try (RaidArray a = RaidArray.open(tmp)) {
      assertThat(a.status().state()).isEqualTo("optimal");
      RaidArrayTest.assertContent(a, ref, "opened from version 1 superblocks");
    }
    for (int i = 0; i < RAID6.disks(); i++) {
      assertThat(slotVersion(tmp.resolve("disk-" + i + ".img"))).isEqualTo(2);
    }
  }

  @Test
  void superblockOfANewerVersion_isRefusedWithAClearMessage() throws IOException {
    try (RaidArray a = RaidArray.create(tmp, RAID6)) {
      a.write(0, new byte[100]);
    }
    for (int i = 0; i < RAID6.disks(); i++) {
      rewriteNewestSlot(tmp.resolve("disk-" + i + ".img"), 3);
    }
    assertThatThrownBy(() -> RaidArray.open(tmp))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
        .hasMessageContaining("format version 3");
  }

  // ---------------------------------------------------------------- superblock slots by hand

  private static final int SB_MAGIC = FramedFile.magic("DWSB");

  private record RawSlot(int index, long generation, int version, byte[] payload) {}

  private static RawSlot newestSlot(Path disk) throws IOException {
    RawSlot best = null;
    try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
      for (int i = 0; i < 2; i++) {
        byte[] slot = new byte[DiskLayout.SUPERBLOCK_SLOT];
        f.seek((long) i * DiskLayout.SUPERBLOCK_SLOT);
        f.readFully(slot);
        long len = ByteBuffer.wrap(slot).getLong(8);
        if (ByteBuffer.wrap(slot).getInt(0) != SB_MAGIC || len < 8 || len > slot.length - FramedFile.OVERHEAD) {
          continue;
        }
        byte[] framed = java.util.Arrays.copyOf(slot, (int) len + FramedFile.OVERHEAD);
        FramedFile.Frame fr;
        try {
          fr = FramedFile.unframe(disk.toString(), framed, SB_MAGIC, 1, 0xFFFF);
        } catch (DwException e) {
          continue;
        }
        ByteBuffer b = ByteBuffer.wrap(fr.body());
        long gen = b.getLong();
        byte[] payload = new byte[fr.body().length - 8];
        b.get(payload);
        if (best == null || gen > best.generation()) {
          best = new RawSlot(i, gen, fr.version(), payload);
        }
      }
    }
    assertThat(best).as("a valid superblock on " + disk).isNotNull();
    return best;
  }

  static Superblock superblock(Path disk) throws IOException {
    return Json.fromBytes(newestSlot(disk).payload(), Superblock.class, disk.toString());
  }

  private static int slotVersion(Path disk) throws IOException {
    return newestSlot(disk).version();
  }

  /** Re-frames the newest superblock of {@code disk} with another format version. */
  private static void rewriteNewestSlot(Path disk, int version) throws IOException {
    RawSlot s = newestSlot(disk);
    writeSlot(disk, s.index(), version, s.generation(), s.payload());
  }

  /** Replaces the newest superblock of {@code disk} with {@code sb}, in the same slot. */
  private static void rewriteNewestSlot(Path disk, int version, Superblock sb) throws IOException {
    writeSlot(disk, newestSlot(disk).index(), version, sb.generation(), Json.toBytes(sb));
  }

  private static void writeSlot(Path disk, int index, int version, long generation, byte[] payload) throws IOException {
    byte[] body = ByteBuffer.allocate(8 + payload.length).putLong(generation).put(payload).array();
    byte[] framed = FramedFile.frame(SB_MAGIC, version, body);
    byte[] slot = new byte[DiskLayout.SUPERBLOCK_SLOT];
    System.arraycopy(framed, 0, slot, 0, framed.length);
    try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
      f.seek((long) index * DiskLayout.SUPERBLOCK_SLOT);
      f.write(slot);
    }
  }
}
