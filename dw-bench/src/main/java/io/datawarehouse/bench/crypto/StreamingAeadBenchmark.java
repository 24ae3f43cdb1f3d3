package io.datawarehouse.bench.crypto;

import io.datawarehouse.sdk.crypto.AeadKey;
import io.datawarehouse.sdk.crypto.Keyring;
import io.datawarehouse.sdk.crypto.StreamingAead;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Streaming AEAD throughput ({@link StreamingAead}, 1 MiB chunks) beside its baseline: one plain
 * JDK {@code Cipher("AES/GCM/NoPadding")} call over the same 256 MiB in the same run. Every
 * benchmark processes the whole buffer once per invocation and declares one operation per MiB, so
 * JMH's {@code ops/s} reads directly as <b>MiB/s</b>.
 *
 * <ul>
 *   <li>{@code jdkGcmOneCall_encrypt} / {@code _decrypt}: the baseline, one {@code doFinal} over
 *       256 MiB into a preallocated array.
 *   <li>{@code stream_encrypt}: {@code encryptingStream} over a discarding sink, one {@code write}
 *       of the whole buffer, then {@code close}.
 *   <li>{@code stream_decrypt}: {@code decryptingStream} over the ciphertext in memory, read into a
 *       1 MiB array (a consumer's buffer); {@code stream_decryptTransferTo}: {@code transferTo} a
 *       discarding sink.
 *   <li>{@code channel_decrypt}: the random-access {@code decryptingChannel} over a
 *       {@code SeekableByteChannel} (in memory), read sequentially into a 1 MiB heap buffer;
 *       {@code memoryChannel_decrypt}: the same over the ciphertext as a heap {@code ByteBuffer}
 *       (no copy of the ciphertext).
 * </ul>
 *
 * Timings are wall-clock and the build machine is shared: read ratios, not absolute figures, and
 * see {@link CryptoSideBySide} for paired ratios in CPU time.
 *
 * <p>Run (from the repository root, JDK 21+; 256 MiB buffers, so the fork gets a 3 GiB heap):
 *
 * <pre>
 * mvn -B -q -pl dw-bench -am package -DskipTests
 * java -jar dw-bench/target/benchmarks.jar 'bench.crypto' -f 1 -wi 2 -i 3 -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class StreamingAeadBenchmark {
  static final int MIB = 1 << 20;
  static final int SIZE_MIB = 256;
  static final int SIZE = SIZE_MIB * MIB;
  private static final byte[] AD = "bench".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  @Param({"1048576"})
  int chunkSize;

  private byte[] plain;
  private byte[] gcmCiphertext;
  private byte[] gcmOut;
  private byte[] streamCiphertext;
  private byte[] readBuffer;
  private SecretKeySpec rawKey;
  private Cipher cipher;
  private final byte[] nonce = new byte[12];
  private long nonceCounter;
  private StreamingAead streaming;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    plain = new byte[SIZE];
    new SplittableRandom(42).nextBytes(plain);
    AeadKey key = AeadKey.generate();
    streaming = StreamingAead.create(Keyring.of(key), chunkSize);
    byte[] raw = new byte[32];
    new SplittableRandom(7).nextBytes(raw);
    rawKey = new SecretKeySpec(raw, "AES");
    cipher = Cipher.getInstance("AES/GCM/NoPadding");
    gcmOut = new byte[SIZE + 16];
    cipher.init(Cipher.ENCRYPT_MODE, rawKey, new GCMParameterSpec(128, nonce));
    gcmCiphertext = cipher.doFinal(plain);
    ByteArrayOutputStream ct = new ByteArrayOutputStream((int) streaming.ciphertextSize(SIZE));
    try (OutputStream out = streaming.encryptingStream(ct, AD)) {
      out.write(plain);
    }
    streamCiphertext = ct.toByteArray();
    readBuffer = new byte[MIB];
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public int jdkGcmOneCall_encrypt() throws GeneralSecurityException {
    nextNonce();
    cipher.init(Cipher.ENCRYPT_MODE, rawKey, new GCMParameterSpec(128, nonce));
    return cipher.doFinal(plain, 0, SIZE, gcmOut, 0);
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public int jdkGcmOneCall_decrypt() throws GeneralSecurityException {
    cipher.init(Cipher.DECRYPT_MODE, rawKey, new GCMParameterSpec(128, new byte[12]));
    return cipher.doFinal(gcmCiphertext, 0, gcmCiphertext.length, gcmOut, 0);
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public long stream_encrypt() throws IOException {
    CountingSink sink = new CountingSink();
    try (OutputStream out = streaming.encryptingStream(sink, AD)) {
      out.write(plain);
    }
    return sink.count;
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public long stream_decrypt() throws IOException {
    long total = 0;
    try (InputStream in = streaming.decryptingStream(new ByteArrayInputStream(streamCiphertext), AD)) {
      for (int n; (n = in.read(readBuffer)) >= 0; ) {
        total += n;
      }
    }
    return total;
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public long stream_decryptTransferTo() throws IOException {
    try (InputStream in = streaming.decryptingStream(new ByteArrayInputStream(streamCiphertext), AD)) {
      return in.transferTo(new CountingSink());
    }
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public long channel_decrypt() throws IOException {
    long total = 0;
    ByteBuffer buf = ByteBuffer.wrap(readBuffer);
    try (SeekableByteChannel ch = streaming.decryptingChannel(new MemoryChannel(streamCiphertext), AD)) {
      for (int n; (n = ch.read(buf.clear())) >= 0; ) {
        total += n;
      }
    }
    return total;
  }

  @Benchmark
  @OperationsPerInvocation(SIZE_MIB)
  public long memoryChannel_decrypt() throws IOException {
    long total = 0;
    ByteBuffer buf = ByteBuffer.wrap(readBuffer);
    try (SeekableByteChannel ch = streaming.decryptingChannel(ByteBuffer.wrap(streamCiphertext), AD, "bench")) {
      for (int n; (n = ch.read(buf.clear())) >= 0; ) {
        total += n;
      }
    }
    return total;
  }

  private void nextNonce() {
    long c = ++nonceCounter;
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (c >>> (8 * i));
    }
  }

  /** Counts and discards what is written. */
  static final class CountingSink extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
