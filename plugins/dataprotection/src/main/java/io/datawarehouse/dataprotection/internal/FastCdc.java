package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.sdk.DwException;

/**
 * FastCDC content-defined chunking (Xia et al., "FastCDC: a Fast and Efficient Content-Defined
 * Chunking Approach for Data Deduplication", USENIX ATC 2016), written for this repository format.
 *
 * <h2>Algorithm</h2>
 * A Gear rolling hash {@code h = (h << 1) + GEAR[byte]} runs over the data; bit {@code k} of
 * {@code h} depends only on the last {@code k + 1} bytes, so the high bits tested by the masks
 * depend on a 64-byte window and a boundary found in some content is found again wherever that
 * content reappears (shift resistance). Following the paper:
 * <ul>
 *   <li><b>cut-point skipping</b>: the first {@code min} bytes of a chunk are not hashed;
 *   <li><b>normalized chunking</b> (level 2): before {@code avg} bytes a boundary needs
 *       {@code log2(avg) + 2} zero bits ({@code maskS}, harder), after it {@code log2(avg) - 2}
 *       ({@code maskL}, easier), which pulls chunk sizes towards {@code avg};
 *   <li>a chunk never exceeds {@code max}; only the last chunk of a stream may be shorter than
 *       {@code min}.
 * </ul>
 * The 256-entry Gear table is derived deterministically from a 64-bit seed with SplitMix64. A
 * repository derives its seed from its secret key, so boundaries (and thus chunk sizes) do not
 * reveal which public content a repository holds; the same repository always cuts the same data
 * the same way.
 *
 * <p>Defaults of the repository format: min 512 KiB, avg 1 MiB, max 8 MiB.
 *
 * <p>Immutable and thread-safe.
 */
public final class FastCdc {
  /** Default smallest chunk (except the last of a stream). */
  public static final int DEFAULT_MIN = 512 * 1024;
  /** Default target average chunk size. */
  public static final int DEFAULT_AVG = 1024 * 1024;
  /** Default largest chunk. */
  public static final int DEFAULT_MAX = 8 * 1024 * 1024;

  private final int min;
  private final int avg;
  private final int max;
  private final long maskS;
  private final long maskL;
  private final long[] gear = new long[256];

  /**
   * A chunker.
   *
   * @param min smallest chunk, at least 64 bytes
   * @param avg target average, a power of two with {@code min < avg < max}
   * @param max largest chunk
   * @param seed the Gear table's seed
   * @throws DwException INVALID_ARGUMENT when the sizes are inconsistent
   */
  public FastCdc(int min, int avg, int max, long seed) {
    if (min < 64 || avg <= min || max <= avg || Integer.bitCount(avg) != 1) {
      throw DwException.invalidArgument("chunk sizes need 64 <= min < avg < max with avg a power of two, got min="
          + min + " avg=" + avg + " max=" + max);
    }
    this.min = min;
    this.avg = avg;
    this.max = max;
    int bits = Integer.numberOfTrailingZeros(avg);
    this.maskS = highBits(bits + 2);
    this.maskL = highBits(bits - 2);
    long x = seed;
    for (int i = 0; i < 256; i++) {
      x += 0x9E3779B97F4A7C15L;
      long z = x;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      gear[i] = z ^ (z >>> 31);
    }
  }

  private static long highBits(int n) {
    return n >= 64 ? -1L : ((1L << n) - 1) << (64 - n);
  }

  /** Smallest chunk size. */
  public int min() {
    return min;
  }

  /** Target average chunk size. */
  public int avg() {
    return avg;
  }

  /** Largest chunk size. */
  public int max() {
    return max;
  }

  /**
   * The length of the chunk that starts at {@code data[off]}, given {@code len} available bytes.
   * When {@code len < max} and more data may follow, the caller must supply at least {@code max}
   * bytes (or all that remain of the stream) for the answer to be the stream's true boundary.
   *
   * @return a length in {@code [1, min(len, max)]}; {@code len} itself when {@code len <= min}
   */
  public int cut(byte[] data, int off, int len) {
    if (len <= min) {
      return len;
    }
    int n = Math.min(len, max);
    int normal = Math.min(avg, n);
    long h = 0;
    int i = min;
    long[] g = gear;
    for (; i < normal; i++) {
      h = (h << 1) + g[data[off + i] & 0xff];
      if ((h & maskS) == 0) {
        return i + 1;
      }
    }
    for (; i < n; i++) {
      h = (h << 1) + g[data[off + i] & 0xff];
      if ((h & maskL) == 0) {
        return i + 1;
      }
    }
    return n;
  }

  @Override
  public String toString() {
    return "FastCdc[min=" + min + ", avg=" + avg + ", max=" + max + "]";
  }
}
