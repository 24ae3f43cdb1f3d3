package io.datawarehouse.raid.codec;

import io.datawarehouse.raid.internal.codec.MatrixCodec;

/**
 * A systematic MDS erasure code over GF(2^8): {@code k} data shards and {@code m} parity shards,
 * any {@code k} of the {@code k + m} enough to recover every shard.
 *
 * <p>Shards are indexed {@code 0..k-1} (data) then {@code k..k+m-1} (parity). Every operation takes
 * an array of shard buffers, a common offset and a length: any length, and the same shard arrays
 * can be reused for many stripes at different offsets.
 *
 * <p>Three codes: {@link #reedSolomon} (Cauchy generator, any {@code k + m <= 255}), {@link
 * #raid6} (the P+Q code of Linux md: P is XOR, Q is {@code sum 2^i * D_i}), and {@link #xor}
 * (RAID5: one XOR parity). The bulk work runs on the Vector API kernel when the JVM has {@code
 * jdk.incubator.vector}, else on a scalar kernel; both give identical bytes.
 *
 * <p>Thread-safe: a codec holds only immutable tables and a synchronized cache of decode
 * matrices (one per erasure pattern), so one instance may serve many threads at once, as long
 * as they do not write the same shard buffers.
 */
public interface ErasureCodec {

  /** Reed-Solomon with a systematic Cauchy generator; {@code 1 <= k}, {@code 0 <= m}, {@code k + m <= 255}. */
  static ErasureCodec reedSolomon(int k, int m) {
    return MatrixCodec.reedSolomon(k, m);
  }

  /** RAID6 P+Q over {@code 1 <= k <= 253} data shards. */
  static ErasureCodec raid6(int k) {
    return MatrixCodec.raid6(k);
  }

  /** RAID5 single XOR parity over {@code 1 <= k <= 254} data shards. */
  static ErasureCodec xor(int k) {
    return MatrixCodec.xor(k);
  }

  /** A short name: {@code rs-10-4}, {@code raid6-4}, {@code xor-4}. */
  String name();

  /** {@code k}. */
  int dataShards();

  /** {@code m}. */
  int parityShards();

  /** {@code k + m}. */
  default int totalShards() {
    return dataShards() + parityShards();
  }

  /** The coefficient of data shard {@code dataIndex} in parity shard {@code k + parityIndex}. */
  int coefficient(int parityIndex, int dataIndex);

  /**
   * Computes every parity shard from the data shards, in one pass over the data.
   *
   * @param shards {@code k + m} buffers: data in {@code [0, k)} is read, parity in {@code [k, k+m)}
   *     is overwritten; each holds at least {@code off + len} bytes
   * @throws IllegalArgumentException for a wrong number of shards or a buffer that is too short
   */
  void encode(byte[][] shards, int off, int len);

  /**
   * As {@link #encode(byte[][], int, int)}, data shard {@code j} read from {@code
   * data[j][dataOffs[j] .. +len)} (so the data shards may be slices of one caller's buffer and need
   * not be copied into shard buffers first), parity shard {@code p} written to {@code
   * parity[p][parityOff .. +len)}. Parity must not overlap the data.
   *
   * @throws IllegalArgumentException for a wrong number of buffers or offsets, or a range that does
   *     not fit its buffer
   */
  default void encode(byte[][] data, int[] dataOffs, byte[][] parity, int parityOff, int len) {
    int k = dataShards();
    int m = parityShards();
    if (data.length != k || dataOffs.length != k || parity.length != m) {
      throw new IllegalArgumentException(name() + " needs " + k + " data buffers and offsets and " + m + " parity buffers, got " + data.length + ", " + dataOffs.length + " and " + parity.length);
    }
    for (int i = 0; i < k + m; i++) {
      byte[] b = i < k ? data[i] : parity[i - k];
      int o = i < k ? dataOffs[i] : parityOff;
      if (b == null || o < 0 || len < 0 || o > b.length - len) {
        throw new IllegalArgumentException(name() + ": shard " + i + " range [" + o + ", " + o + "+" + len + ") does not fit its buffer");
      }
    }
    byte[][] shards = new byte[k + m][];
    for (int j = 0; j < k; j++) {
      shards[j] = java.util.Arrays.copyOfRange(data[j], dataOffs[j], dataOffs[j] + len);
    }
    for (int p = 0; p < m; p++) {
      shards[k + p] = new byte[len];
    }
    encode(shards, 0, len);
    for (int p = 0; p < m; p++) {
      System.arraycopy(shards[k + p], 0, parity[p], parityOff, len);
    }
  }

  /**
   * Rebuilds the shards marked {@code wanted} from the shards marked {@code present}, reading
   * exactly {@code k} present shards (data shards first) and writing only the wanted ones.
   *
   * @param shards {@code k + m} buffers; present and wanted ones must be non-null
   * @param present which shards hold valid data
   * @param wanted which shards to rebuild (must not be present)
   * @throws io.datawarehouse.sdk.DwException FAILED_PRECONDITION when fewer than {@code k} shards
   *     are present: the data cannot be recovered
   */
  void reconstruct(byte[][] shards, boolean[] present, boolean[] wanted, int off, int len);

  /** Rebuilds every shard that is not present. */
  default void reconstruct(byte[][] shards, boolean[] present, int off, int len) {
    boolean[] wanted = new boolean[totalShards()];
    for (int i = 0; i < wanted.length; i++) {
      wanted[i] = !present[i];
    }
    reconstruct(shards, present, wanted, off, len);
  }

  /** Rebuilds only the missing data shards (a degraded read needs no parity). */
  default void reconstructData(byte[][] shards, boolean[] present, int off, int len) {
    boolean[] wanted = new boolean[totalShards()];
    for (int i = 0; i < dataShards(); i++) {
      wanted[i] = !present[i];
    }
    reconstruct(shards, present, wanted, off, len);
  }

  /**
   * Brings every parity shard up to date after data shard {@code dataIndex} changed, without
   * reading the other data shards (read-modify-write): {@code P_j += c_j,i * delta}.
   *
   * @param delta {@code old data XOR new data}
   * @param parity the {@code m} parity buffers, updated in place
   */
  void updateParity(int dataIndex, byte[] delta, int deltaOff, byte[][] parity, int parityOff, int len);

  /**
   * As {@link #updateParity(int, byte[], int, byte[][], int, int)}, from the old and new contents
   * of the data shard (no delta buffer needed).
   */
  void updateParity(int dataIndex, byte[] oldData, byte[] newData, int dataOff, byte[][] parity, int parityOff, int len);
}
