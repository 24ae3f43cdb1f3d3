package io.datawarehouse.sdk.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesTest {
  @TempDir Path tmp;
  static final int MAGIC = FramedFile.magic("DWTS");

  @Test
  void atomicWrite_replacesWholeFile_andLeavesNoTemporaryFiles() throws Exception {
    Path f = tmp.resolve("sub/dir/file.bin");
    AtomicFiles.write(f, new byte[] {1, 2, 3});
    AtomicFiles.write(f, new byte[] {9});
    assertThat(Files.readAllBytes(f)).containsExactly(9);
    try (var s = Files.list(f.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("file.bin");
    }
  }

  @Test
  void atomicWrite_writerFails_keepsTheOldContent() throws Exception {
    Path f = tmp.resolve("file.bin");
    AtomicFiles.write(f, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> AtomicFiles.write(f, out -> {
      out.write(new byte[] {7, 7});
      throw new IOException("disk full");
    })).isInstanceOfSatisfying(DwException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
      assertThat(e.getMessage()).contains("disk full").contains(f.toString());
    });
    assertThat(Files.readAllBytes(f)).containsExactly(1, 2, 3);
    assertThat(AtomicFiles.cleanTemporaryFiles(tmp)).isZero();
  }

  @Property(tries = 200)
  void framedFile_roundTrips(@ForAll @Size(max = 2000) byte[] body, @ForAll @IntRange(max = 65535) int version) {
    byte[] framed = FramedFile.frame(MAGIC, version, body);
    FramedFile.Frame f = FramedFile.unframe("x", framed, MAGIC, 0, 65535);
    assertThat(f.version()).isEqualTo(version);
    assertThat(f.body()).isEqualTo(body);
  }

  @Property(tries = 300)
  void framedFile_anySingleByteFlip_isIntegrityError(@ForAll @Size(min = 1, max = 300) byte[] body,
      @ForAll @IntRange(max = 10_000) int where, @ForAll @IntRange(min = 1, max = 255) int xor) {
    byte[] framed = FramedFile.frame(MAGIC, 1, body);
    int i = where % framed.length;
    framed[i] ^= (byte) xor;
    assertThatThrownBy(() -> FramedFile.unframe("the-file", framed, MAGIC, 1, 1))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INTEGRITY);
          assertThat(e.getMessage()).contains("the-file");
        });
  }

  @Test
  void framedFile_truncatedExtendedWrongMagicOrVersion_areNamedErrors() {
    byte[] framed = FramedFile.frame(MAGIC, 2, new byte[] {1, 2, 3, 4});
    assertThatThrownBy(() -> FramedFile.unframe("f", java.util.Arrays.copyOf(framed, framed.length - 1), MAGIC, 2, 2))
        .hasMessageContaining("truncated or extended");
    assertThatThrownBy(() -> FramedFile.unframe("f", java.util.Arrays.copyOf(framed, framed.length + 1), MAGIC, 2, 2))
        .hasMessageContaining("truncated or extended");
    assertThatThrownBy(() -> FramedFile.unframe("f", framed, FramedFile.magic("XXXX"), 2, 2))
        .hasMessageContaining("header mismatch");
    assertThatThrownBy(() -> FramedFile.unframe("f", framed, MAGIC, 3, 4))
        .hasMessageContaining("format version 2 is not supported");
  }
}
