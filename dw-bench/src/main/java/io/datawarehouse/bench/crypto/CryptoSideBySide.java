package io.datawarehouse.bench.crypto;

import io.datawarehouse.sdk.crypto.AeadKey;
import io.datawarehouse.sdk.crypto.Sha256;
import io.datawarehouse.sdk.crypto.StreamingAead;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Paired side-by-side ratios for a shared, noisy machine, complementing the JMH benchmarks of
 * this package: each round times the baseline and the facade on the same 256 MiB back to back
 * (in alternating order, so a drift in machine load hits both sides alike), and the figure is the
 * median over rounds of baseline time / facade time: the facade's throughput as a percentage of
 * the baseline's. Time is the CPU time of the measuring thread (every task here is
 * single-threaded), which other processes on a shared machine disturb far less than wall-clock
 * time. Warm-up rounds run first and are not counted.
 *
 * <pre>
 * mvn -B -q -pl dw-bench -am package -DskipTests
 * java -Xmx3g -cp dw-bench/target/benchmarks.jar io.datawarehouse.bench.crypto.CryptoSideBySide [rounds]
 * </pre>
 */
public final class CryptoSideBySide {
  private static final int MIB = 1 << 20;
  private static final int SIZE = 256 * MIB;
  private static final byte[] AD = {'b', 'e', 'n', 'c', 'h'};
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final byte[] plain = new byte[SIZE];
  private final byte[] out = new byte[SIZE + 16];
  private final byte[] readBuffer = new byte[MIB];
  private final SecretKeySpec rawKey = new SecretKeySpec(new byte[32], "AES");
  private final byte[] nonce = new byte[12];
  private final Cipher cipher;
  private final StreamingAead streaming = StreamingAead.create(AeadKey.generate());
  private final byte[] gcmCiphertext;
  private final byte[] streamCiphertext;
  private long counter;

  private CryptoSideBySide() throws Exception {
    new SplittableRandom(42).nextBytes(plain);
    cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.ENCRYPT_MODE, rawKey, new GCMParameterSpec(128, new byte[12]));
    gcmCiphertext = cipher.doFinal(plain);
    ByteArrayOutputStream ct = new ByteArrayOutputStream((int) streaming.ciphertextSize(SIZE));
    try (OutputStream o = streaming.encryptingStream(ct, AD)) {
      o.write(plain);
    }
    streamCiphertext = ct.toByteArray();
  }

  /** One timed task. */
  private interface Task {
    void run() throws Exception;
  }

  private record Pair(String name, Task baseline, Task facade) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    CryptoSideBySide b = new CryptoSideBySide();
    Pair[] pairs = {
      new Pair("streaming encrypt (OutputStream) vs one JDK AES-GCM call", b::gcmEncrypt, b::streamEncrypt),
      new Pair("streaming decrypt (InputStream, 1 MiB reads) vs one JDK AES-GCM call", b::gcmDecrypt, b::streamDecrypt),
      new Pair("streaming decrypt (SeekableByteChannel) vs one JDK AES-GCM call", b::gcmDecrypt, b::channelDecrypt),
      new Pair("streaming decrypt (channel over a heap ByteBuffer) vs one JDK AES-GCM call", b::gcmDecrypt, b::memoryChannelDecrypt),
      new Pair("Sha256.hash vs MessageDigest", b::messageDigest, b::sha256),
    };
    for (Pair p : pairs) {
      for (int i = 0; i < 3; i++) {
        time(p.baseline);
        time(p.facade);
      }
      double[] ratio = new double[rounds];
      double[] baseMiBs = new double[rounds];
      double[] facadeMiBs = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        long tb;
        long tf;
        if ((r & 1) == 0) {
          tb = time(p.baseline);
          tf = time(p.facade);
        } else {
          tf = time(p.facade);
          tb = time(p.baseline);
        }
        ratio[r] = 100.0 * tb / tf;
        baseMiBs[r] = 256 / (tb / 1e9);
        facadeMiBs[r] = 256 / (tf / 1e9);
      }
      Arrays.sort(ratio);
      Arrays.sort(baseMiBs);
      Arrays.sort(facadeMiBs);
      System.out.printf("%-76s facade/baseline median %5.1f%% (quartiles %5.1f%%..%5.1f%%); median MiB per CPU-second: baseline %6.0f, facade %6.0f%n",
          p.name, ratio[rounds / 2], ratio[rounds / 4], ratio[(3 * rounds) / 4], baseMiBs[rounds / 2], facadeMiBs[rounds / 2]);
    }
  }

  private static long time(Task t) throws Exception {
    long start = THREADS.getCurrentThreadCpuTime();
    t.run();
    return THREADS.getCurrentThreadCpuTime() - start;
  }

  private void gcmEncrypt() throws Exception {
    long c = ++counter;
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (c >>> (8 * i));
    }
    cipher.init(Cipher.ENCRYPT_MODE, rawKey, new GCMParameterSpec(128, nonce));
    cipher.doFinal(plain, 0, SIZE, out, 0);
  }

  private void gcmDecrypt() throws Exception {
    cipher.init(Cipher.DECRYPT_MODE, rawKey, new GCMParameterSpec(128, new byte[12]));
    cipher.doFinal(gcmCiphertext, 0, gcmCiphertext.length, out, 0);
  }

  private void streamEncrypt() throws Exception {
    try (OutputStream o = streaming.encryptingStream(new StreamingAeadBenchmark.CountingSink(), AD)) {
      o.write(plain);
    }
  }

  private void streamDecrypt() throws Exception {
    try (InputStream in = streaming.decryptingStream(new ByteArrayInputStream(streamCiphertext), AD)) {
      while (in.read(readBuffer) >= 0) {
        // consume
      }
    }
  }

  private void channelDecrypt() throws Exception {
    ByteBuffer buf = ByteBuffer.wrap(readBuffer);
    try (SeekableByteChannel ch = streaming.decryptingChannel(new MemoryChannel(streamCiphertext), AD)) {
      while (ch.read(buf.clear()) >= 0) {
        // consume
      }
    }
  }

  private void memoryChannelDecrypt() throws Exception {
    ByteBuffer buf = ByteBuffer.wrap(readBuffer);
    try (SeekableByteChannel ch = streaming.decryptingChannel(ByteBuffer.wrap(streamCiphertext), AD, "bench")) {
      while (ch.read(buf.clear()) >= 0) {
        // consume
      }
    }
  }

  private void messageDigest() throws Exception {
    MessageDigest.getInstance("SHA-256").digest(plain);
  }

  private void sha256() {
    Sha256.hash(plain);
  }
}
