package io.datawarehouse.deployment.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/**
 * The router's buffered reader and writer: whatever the line lengths, buffer size and how the
 * socket splits the bytes, lines, counted bodies and chunked bodies come back as written.
 */
class Http1IoPropertyTest {
  /** A stream handing out at most {@code step} bytes per read, like a socket delivering segments. */
  private static InputStream trickle(byte[] data, int step) {
    return new ByteArrayInputStream(data) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, step));
      }
    };
  }

  @Property(tries = 300)
  void linesAndBodies_roundTrip(
      @ForAll @Size(max = 12) List<@StringLength(max = 300) @CharRange(from = ' ', to = '~') String> lines,
      @ForAll @Size(max = 2000) byte[] body, @ForAll @IntRange(min = 1, max = 40) int step,
      @ForAll @IntRange(min = 1, max = 64) int bufferSize, @ForAll boolean bareLf, @ForAll @IntRange(min = 1,
          max = 700) int chunkSize) throws IOException {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    Http1Io.Writer w = new Http1Io.Writer(sink);
    for (String l : lines) {
      w.text(l).text(bareLf ? "\n" : "\r\n");
    }
    w.text("\r\n").bytes(body);
    for (int off = 0; off < body.length; off += chunkSize) { // the same body again, chunked
      int n = Math.min(chunkSize, body.length - off);
      w.text(Integer.toHexString(n)).text(";ext=1\r\n").bytes(java.util.Arrays.copyOfRange(body, off, off + n))
          .text("\r\n");
    }
    w.text("0\r\nTrailer: x\r\n\r\n").send();

    Http1Io.Reader r = new Http1Io.Reader(trickle(sink.toByteArray(), step), bufferSize);
    List<String> read = new ArrayList<>();
    for (String l; !(l = r.line(false)).isEmpty(); ) {
      read.add(l);
    }
    assertThat(read).isEqualTo(lines.stream().takeWhile(l -> !l.isEmpty()).toList());
    if (read.size() < lines.size()) {
      return; // an empty generated line ended the head early: nothing more to compare
    }
    assertThat(r.bytes(body.length)).isEqualTo(body);
    assertThat(r.chunked(Long.MAX_VALUE)).isEqualTo(body);
    assertThat(r.buffered()).isFalse();
    assertThat(r.line(true)).isNull();
  }

  @Property(tries = 50)
  void truncatedMessage_isAnEndOfStreamError(@ForAll @StringLength(min = 1, max = 200) @CharRange(from = 'a',
      to = 'z') String partial, @ForAll @IntRange(min = 1, max = 16) int step) {
    Http1Io.Reader r = new Http1Io.Reader(trickle(partial.getBytes(StandardCharsets.ISO_8859_1), step), 8);
    assertThatThrownBy(() -> r.line(true)).isInstanceOf(EOFException.class);
  }

  @Property(tries = 20)
  void tooLongLine_isRefused(@ForAll @IntRange(min = 1, max = 4096) int step) {
    byte[] data = new byte[Http1Io.MAX_LINE + 10];
    java.util.Arrays.fill(data, (byte) 'a');
    Http1Io.Reader r = new Http1Io.Reader(trickle(data, step * 16), 1024);
    assertThatThrownBy(() -> r.line(false)).isInstanceOf(IOException.class).hasMessageContaining("exceeds");
  }

  @Property(tries = 50)
  void chunkedBodyOverTheLimit_isRefused(@ForAll @IntRange(min = 1, max = 100) int limit) {
    byte[] data = (Integer.toHexString(limit + 1) + "\r\n" + "x".repeat(limit + 1) + "\r\n0\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
    Http1Io.Reader r = new Http1Io.Reader(new ByteArrayInputStream(data), 16);
    assertThatThrownBy(() -> r.chunked(limit)).isInstanceOf(IOException.class).hasMessageContaining("larger than");
  }
}
