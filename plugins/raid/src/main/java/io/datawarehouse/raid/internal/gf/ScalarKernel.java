package io.datawarehouse.raid.internal.gf;

/**
 * The plain-Java kernel: one 64 KiB product-table lookup per byte and coefficient, XOR eight bytes
 * at a time through longs where no multiplication is needed. Used when the Vector API module is
 * absent, for tails shorter than a vector, and as the reference the vector kernel is tested
 * against.
 */
public final class ScalarKernel implements GfKernel {
  /** The one instance. */
  public static final ScalarKernel INSTANCE = new ScalarKernel();

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  /** Bytes processed per block, so the outputs of one block stay in L1 across all inputs. */
  private static final int BLOCK = 4096;

  private ScalarKernel() {}

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public void mulAdd(GfMatrix m, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate) {
    mulAddRange(m, in, inOff, out, outOff, 0, len, accumulate);
  }

  /** {@link #mulAdd} over positions {@code [from, to)} only; vector kernels finish tails here. */
  static void mulAddRange(GfMatrix m, byte[][] in, int inOff, byte[][] out, int outOff, int from, int to, boolean accumulate) {
    byte[] mul = Gf256.MUL;
    int rows = m.rows();
    int cols = m.cols();
    for (int start = from; start < to; start += BLOCK) {
      int end = Math.min(to, start + BLOCK);
      for (int r = 0; r < rows; r++) {
        byte[] o = out[r];
        int oo = outOff - inOff;
        for (int c = 0; c < cols; c++) {
          int base = m.coefficient(r, c) << 8;
          byte[] src = in[c];
          if (c == 0 && !accumulate) {
            for (int x = inOff + start; x < inOff + end; x++) {
              o[x + oo] = mul[base | (src[x] & 0xff)];
            }
          } else if (base != 0) {
            for (int x = inOff + start; x < inOff + end; x++) {
              o[x + oo] ^= mul[base | (src[x] & 0xff)];
            }
          }
        }
      }
    }
  }

  @Override
  public void xor(byte[][] in, int inOff, byte[] out, int outOff, int len, boolean accumulate) {
    xorRange(in, inOff, out, outOff, 0, len, accumulate);
  }

  static void xorRange(byte[][] in, int inOff, byte[] out, int outOff, int from, int to, boolean accumulate) {
    int x = from;
    for (; x + 8 <= to; x += 8) {
      long v = accumulate ? (long) LONGS.get(out, outOff + x) : 0L;
      for (byte[] src : in) {
        v ^= (long) LONGS.get(src, inOff + x);
      }
      LONGS.set(out, outOff + x, v);
    }
    for (; x < to; x++) {
      int v = accumulate ? out[outOff + x] : 0;
      for (byte[] src : in) {
        v ^= src[inOff + x];
      }
      out[outOff + x] = (byte) v;
    }
  }

  @Override
  public void pq(byte[][] in, int[] inOffs, byte[] p, byte[] q, int outOff, int len) {
    pqRange(in, inOffs, p, q, outOff, 0, len);
  }

  static void pqRange(byte[][] in, int[] inOffs, byte[] p, byte[] q, int outOff, int from, int to) {
    int last = in.length - 1;
    int x = from;
    for (; x + 8 <= to; x += 8) {
      long pv = (long) LONGS.get(in[last], inOffs[last] + x);
      long qv = pv;
      for (int i = last - 1; i >= 0; i--) {
        long d = (long) LONGS.get(in[i], inOffs[i] + x);
        pv ^= d;
        qv = times2(qv) ^ d;
      }
      LONGS.set(p, outOff + x, pv);
      LONGS.set(q, outOff + x, qv);
    }
    for (; x < to; x++) {
      int pv = in[last][inOffs[last] + x] & 0xff;
      int qv = pv;
      for (int i = last - 1; i >= 0; i--) {
        int d = in[i][inOffs[i] + x] & 0xff;
        pv ^= d;
        qv = Gf256.mul(qv, 2) ^ d;
      }
      p[outOff + x] = (byte) pv;
      q[outOff + x] = (byte) qv;
    }
  }

  /** Eight field elements times 2 at once: shift each byte left, reduce the bytes that overflowed. */
  static long times2(long v) {
    long high = v & 0x8080808080808080L;
    long reduce = (high - (high >>> 7)) & 0x1d1d1d1d1d1d1d1dL;
    return ((v & 0x7f7f7f7f7f7f7f7fL) << 1) ^ reduce;
  }
}
