package io.datawarehouse.raid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.raid.internal.disk.DiskLayout;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batched whole-stripe reads with blocks large enough to go straight into the caller's buffer (one
 * scattering request per disk and run of stripes): content, and that a bad block inside a batch
 * is still served from redundancy and healed.
 */
class BatchedReadTest {
  static final int BLOCK = 64 * 1024;
  static final ArraySpec SPEC = ArraySpec.of(RaidLevel.RAID6, 6, 4L << 20, BLOCK);

  @TempDir
  Path tmp;

  private static byte[] fill(RaidArray a, long seed) {
    byte[] ref = new byte[(int) a.capacity()];
    new SplittableRandom(seed).nextBytes(ref);
    a.write(0, ref);
    return ref;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4095, BLOCK, 4 * BLOCK})
  void largeReads_atAnyOffset_matchWhatWasWritten(int start) {
    try (RaidArray a = RaidArray.create(tmp, SPEC)) {
      byte[] ref = fill(a, 1);
      for (int len : new int[] {1 << 20, (1 << 20) + 12345, 3 * (1 << 20) + 7}) {
        int n = Math.min(len, ref.length - start);
        byte[] got = a.read(start, n);
        for (int i = 0; i < n; i++) {
          if (got[i] != ref[start + i]) {
            throw new AssertionError("len " + len + " start " + start + ": first difference at byte " + i);
          }
        }
      }
    }
  }

  @Test
  void corruptedBlockInsideABatch_isReadFromRedundancy_andRewritten() throws IOException {
    DiskLayout dl = DiskLayout.plan(SPEC.diskSize(), SPEC.blockSize());
    byte[] ref;
    try (RaidArray a = RaidArray.create(tmp, SPEC)) {
      ref = fill(a, 2);
    }
    // block d of disk d: shard 0 of stripe d (shard j of stripe s is on disk (j + s) mod 6), a data
    // block in the middle of a batched read, one bad shard per stripe
    for (int disk = 0; disk < 6; disk++) {
      try (RandomAccessFile f = new RandomAccessFile(tmp.resolve("disk-" + disk + ".img").toFile(), "rw")) {
        long at = dl.blockOffset(disk) + 777L * disk;
        f.seek(at);
        int b = f.read();
        f.seek(at);
        f.write(b ^ 0x5a);
      }
    }
    try (RaidArray a = RaidArray.open(tmp)) {
      RaidArrayTest.assertContent(a, ref, "corrupted blocks in batches");
      long errors = a.status().members().stream().mapToLong(m -> ((Number) m.counters().get("checksumErrors")).longValue()).sum();
      assertThat(errors).as("checksum errors found by the read").isEqualTo(6);
      assertThat(a.scrub(false, Progress.Listener.NONE).clean()).as("healed by the read").isTrue();
      RaidArrayTest.assertContent(a, ref, "after healing");
    }
  }

  @Test
  void readErrorInsideABatch_isReadFromRedundancy_andTheBlockRelocated() {
    FaultyDevices faults = new FaultyDevices();
    DiskLayout dl = DiskLayout.plan(SPEC.diskSize(), SPEC.blockSize());
    try (RaidArray a = RaidArray.create(tmp, SPEC, Time.SYSTEM, faults)) {
      byte[] ref = fill(a, 3);
      // block 10 of disk 1: shard 3 (data) of stripe 10
      faults.failReads(tmp.resolve("disk-1.img"), dl.blockOffset(10), dl.blockOffset(11));
      RaidArrayTest.assertContent(a, ref, "read error");
      assertThat(a.status().members().get(1).remappedBlocks()).isEqualTo(1);
      faults.heal();
      assertThat(a.scrub(false, Progress.Listener.NONE).clean()).isTrue();
    }
  }

  @Test
  void writeErrorsInsideABatchedWrite_areRemapped_whileTheOtherDisksAreWrittenAlongside() {
    FaultyDevices faults = new FaultyDevices();
    DiskLayout dl = DiskLayout.plan(SPEC.diskSize(), SPEC.blockSize());
    List<RaidEvent> events = new CopyOnWriteArrayList<>();
    try (RaidArray a = RaidArray.create(tmp, SPEC, Time.SYSTEM, faults)) {
      a.addListener(events::add);
      byte[] ref = fill(a, 4);
      // blocks 3 and 4 of disk 2 inside one 1 MiB write of stripes 0 to 3 and 4 to 7
      faults.failWrites(tmp.resolve("disk-2.img"), dl.blockOffset(3), dl.blockOffset(5));
      new SplittableRandom(5).nextBytes(ref);
      a.write(0, Arrays.copyOf(ref, 2 << 20), 0, 2 << 20);
      byte[] rest = a.read(2 << 20, ref.length - (2 << 20));
      System.arraycopy(rest, 0, ref, 2 << 20, rest.length);
      assertThat(a.status().members().get(2).remappedBlocks()).isEqualTo(2);
      assertThat(a.status().members().get(2).state()).isEqualTo("active");
      assertThat(events).extracting(RaidEvent::type).contains(RaidEvent.REMAP);
      faults.heal();
      RaidArrayTest.assertContent(a, ref, "after remapped batch writes");
      assertThat(a.scrub(false, Progress.Listener.NONE).clean()).isTrue();
    }
  }

  @Test
  void aDiskFailingEveryWriteOfABatchedWrite_isFailed_andTheOthersHoldTheData() {
    FaultyDevices faults = new FaultyDevices();
    DiskLayout dl = DiskLayout.plan(SPEC.diskSize(), SPEC.blockSize());
    List<RaidEvent> events = new CopyOnWriteArrayList<>();
    try (RaidArray a = RaidArray.create(tmp, SPEC, Time.SYSTEM, faults)) {
      a.addListener(events::add);
      byte[] ref = fill(a, 6);
      faults.failWrites(tmp.resolve("disk-4.img"), dl.dataStart(), dl.end());
      new SplittableRandom(7).nextBytes(ref);
      a.write(0, ref);
      assertThat(a.status().members().get(4).state()).isEqualTo("failed");
      assertThat(events).extracting(RaidEvent::type).contains(RaidEvent.SPARE_EXHAUSTED, RaidEvent.DISK_FAILED);
      RaidArrayTest.assertContent(a, ref, "after the disk failed in a batched write");
    }
  }

  @Test
  void scatteringRead_fillsEachSlice_andRefusesARangePastTheEnd() throws IOException {
    Path p = tmp.resolve("dev.img");
    byte[] content = new byte[4 * 4096];
    new SplittableRandom(4).nextBytes(content);
    try (FileBlockDevice d = FileBlockDevice.create(p, content.length)) {
      d.write(0, content, 0, content.length);
      byte[] a = new byte[10_000];
      byte[] b = new byte[5000];
      d.read(4096, new byte[][] {a, b, a}, new int[] {100, 0, 5000}, 4000);
      assertThat(Arrays.copyOfRange(a, 100, 4100)).isEqualTo(Arrays.copyOfRange(content, 4096, 8096));
      assertThat(Arrays.copyOfRange(b, 0, 4000)).isEqualTo(Arrays.copyOfRange(content, 8096, 12096));
      assertThat(Arrays.copyOfRange(a, 5000, 9000)).isEqualTo(Arrays.copyOfRange(content, 12096, 16096));
      assertThat(a[4100]).isZero();
      assertThat(a[9000]).isZero();
      assertThatThrownBy(() -> d.read(8192, new byte[][] {a, b}, new int[] {0, 0}, 4100))
          .isInstanceOf(EOFException.class).hasMessageContaining("past the end");
    }
  }

  @Test
  void mappedReads_seeLaterWrites_andAFileCutShortIsAnIoError() throws IOException {
    Path p = tmp.resolve("dev.img");
    try (FileBlockDevice d = FileBlockDevice.create(p, 1 << 20)) {
      d.useMappedReads(true);
      byte[] got = new byte[4096];
      d.read(8192, got, 0, got.length); // maps the file
      assertThat(got).containsOnly((byte) 0);
      byte[] data = new byte[4096];
      new SplittableRandom(5).nextBytes(data);
      d.write(8192, data, 0, data.length);
      d.read(8192, got, 0, got.length);
      assertThat(got).isEqualTo(data);
      try (java.nio.channels.FileChannel other = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
        other.truncate(4096);
      }
      assertThatThrownBy(() -> d.read(1 << 19, got, 0, got.length)).isInstanceOf(IOException.class);
    }
  }
}
