package io.datawarehouse.raid.internal.gf;

/**
 * The bulk GF(2^8) operations every codec is built from. Two implementations: {@link
 * ScalarKernel} (plain Java, always available) and {@code VectorKernel} (the incubating Vector
 * API, loaded by {@link GfKernels} when the JVM has {@code jdk.incubator.vector}). They must give
 * identical results; {@code GfKernelContractTest} holds them to it.
 *
 * <p>All buffers are heap arrays with a common offset for the inputs and one for the outputs;
 * every array must hold {@code offset + len} bytes. Outputs must not overlap inputs. Lengths are
 * arbitrary.
 *
 * <p>Thread-safe: kernels hold no mutable state.
 */
public interface GfKernel {

  /** A short name for logs and benchmarks ("vector-128", "scalar"). */
  String name();

  /**
   * {@code out[r] = (accumulate ? out[r] : 0) + sum over c of m(r, c) * in[c]}, for every output in
   * one pass over the inputs.
   *
   * @param m the coefficients, {@code out.length} rows by {@code in.length} columns
   */
  void mulAdd(GfMatrix m, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate);

  /**
   * {@code out = (accumulate ? out : 0) ^ in[0] ^ in[1] ^ ...} (RAID5 parity, and parity updates).
   */
  void xor(byte[][] in, int inOff, byte[] out, int outOff, int len, boolean accumulate);

  /**
   * RAID6 syndromes: {@code p = sum in[i]}, {@code q = sum 2^i * in[i]}, Q by Horner's rule (one
   * multiply-by-2 per input).
   */
  default void pq(byte[][] in, int inOff, byte[] p, byte[] q, int outOff, int len) {
    int[] offs = new int[in.length];
    java.util.Arrays.fill(offs, inOff);
    pq(in, offs, p, q, outOff, len);
  }

  /**
   * As {@link #pq(byte[][], int, byte[], byte[], int, int)}, input {@code i} starting at {@code
   * inOffs[i]} (several inputs may be slices of one array, e.g. a caller's buffer).
   */
  void pq(byte[][] in, int[] inOffs, byte[] p, byte[] q, int outOff, int len);
}
