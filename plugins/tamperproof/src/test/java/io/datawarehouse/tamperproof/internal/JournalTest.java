package io.datawarehouse.tamperproof.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterTry;

class JournalTest {
  private static final long CAPACITY = Journal.FRAMES_START + 2L * AppendLog.MAX_RECORD;

  /** A frame to write: an entry, and optionally a record id with its bytes. */
  record Spec(byte[] entry, String id, byte[] content) {}

  @Provide
  Arbitrary<List<Spec>> frames() {
    Arbitrary<byte[]> entry = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(300);
    Arbitrary<String> id = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(40).injectNull(0.4);
    Arbitrary<byte[]> content = Arbitraries.bytes().array(byte[].class).ofMaxSize(5000);
    return Combinators.combine(entry, id, content).as((e, i, c) -> new Spec(e, i, i == null ? null : c))
        .list().ofMaxSize(40);
  }

  private final List<Path> scratchDirs = new ArrayList<>();

  private Path scratch() throws IOException {
    Path d = Files.createTempDirectory("dw-journal-test");
    scratchDirs.add(d);
    return d.resolve(Journal.FILE);
  }

  @AfterTry
  void removeScratch() throws IOException {
    for (Path d : scratchDirs) {
      try (var files = Files.list(d)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(d);
    }
    scratchDirs.clear();
  }

  private static void write(Journal j, long base, List<Spec> specs) throws IOException {
    for (int i = 0; i < specs.size(); i++) {
      Spec s = specs.get(i);
      j.append(base + i, s.entry(), s.id(), s.content());
    }
    j.force();
  }

  private static void assertFrames(List<Journal.Frame> read, long base, List<Spec> specs) {
    assertThat(read).hasSize(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      Journal.Frame f = read.get(i);
      Spec s = specs.get(i);
      assertThat(f.index()).isEqualTo(base + i);
      assertThat(f.entry()).isEqualTo(s.entry());
      assertThat(f.recordId()).isEqualTo(s.id());
      assertThat(f.content()).isEqualTo(s.content());
    }
  }

  @Property(tries = 40)
  void frames_readBackAsWritten(@ForAll("frames") List<Spec> specs, @ForAll @LongRange(max = 1_000_000) long base)
      throws IOException {
    Path file = scratch();
    try (Journal j = Journal.open(file, CAPACITY, base).journal()) {
      write(j, base, specs);
    }
    assertThat(Files.size(file)).as("preallocated, never grown").isEqualTo(CAPACITY);
    Journal.Opened again = Journal.open(file, CAPACITY, 0);
    try (Journal j = again.journal()) {
      assertThat(again.base()).isEqualTo(base);
      assertFrames(again.frames(), base, specs);
      assertFrames(Journal.read(file), base, specs);
      // appends continue after the frames read back
      Spec more = new Spec(new byte[] {1, 2, 3}, null, null);
      j.append(base + specs.size(), more.entry(), null, null);
      j.force();
    }
    List<Spec> all = new ArrayList<>(specs);
    all.add(new Spec(new byte[] {1, 2, 3}, null, null));
    assertFrames(Journal.read(file), base, all);
  }

  @Property(tries = 40)
  void damagedFrame_endsTheJournalBeforeIt(@ForAll("frames") List<Spec> specs, @ForAll @IntRange(max = 39) int victim,
      @ForAll @IntRange(min = 0, max = 1 << 20) int where) throws IOException {
    if (specs.isEmpty()) {
      return;
    }
    int v = victim % specs.size();
    Path file = scratch();
    try (Journal j = Journal.open(file, CAPACITY, 0).journal()) {
      write(j, 0, specs);
    }
    long start = Journal.FRAMES_START;
    for (int i = 0; i < v; i++) {
      Spec s = specs.get(i);
      start += Journal.frameSize(s.entry(), s.id() == null ? null : s.id().getBytes(java.nio.charset.StandardCharsets.UTF_8),
          s.content());
    }
    Spec s = specs.get(v);
    long len = Journal.frameSize(s.entry(), s.id() == null ? null : s.id().getBytes(java.nio.charset.StandardCharsets.UTF_8),
        s.content());
    long at = start + (where % len);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ (1 << (where % 8))));
      ch.write(b.rewind(), at);
    }
    assertFrames(Journal.read(file), 0, specs.subList(0, v));
  }

  @Property(tries = 20)
  void reset_leavesNoFrameOfTheOldGeneration(@ForAll("frames") List<Spec> specs) throws IOException {
    Path file = scratch();
    try (Journal j = Journal.open(file, CAPACITY, 0).journal()) {
      write(j, 0, specs);
      j.reset(specs.size());
      assertThat(j.frames()).isZero();
    }
    // the old frames' bytes are still in the file, but belong to another generation
    Journal.Opened again = Journal.open(file, CAPACITY, 0);
    try (Journal j = again.journal()) {
      assertThat(again.frames()).isEmpty();
      assertThat(again.base()).isEqualTo(specs.size());
      List<Spec> next = specs.isEmpty() ? specs : specs.subList(0, 1);
      write(j, specs.size(), next);
      assertFrames(Journal.read(file), specs.size(), next);
    }
  }

  @Property(tries = 10)
  void fullJournal_refusesFramesThatDoNotFit(@ForAll @IntRange(min = 1000, max = 70_000) int size) throws IOException {
    Path file = scratch();
    try (Journal j = Journal.open(file, CAPACITY, 0).journal()) {
      byte[] content = new byte[size];
      byte[] entry = {1};
      long frame = Journal.frameSize(entry, "r".getBytes(java.nio.charset.StandardCharsets.UTF_8), content);
      long n = 0;
      while (j.fits(frame)) {
        j.append(n++, entry, "r", content);
      }
      assertThat(n).isEqualTo((CAPACITY - Journal.FRAMES_START) / frame);
      j.force();
      assertThat(Journal.read(file)).hasSize((int) n);
    }
  }
}
