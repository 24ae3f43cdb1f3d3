package io.datawarehouse.raid.internal.gf;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernel ({@code jdk.incubator.vector}); loaded reflectively by {@link GfKernels}.
 *
 * <p>Design note. Multiplication by a constant c is two 16-entry table lookups, {@code
 * lo[x & 15] ^ hi[x >>> 4]} (the "nibble table" method of ISA-L and of Plank, Greenan and Miller,
 * "Screaming fast Galois field arithmetic using Intel SIMD instructions", FAST 2013). A lookup is
 * {@code selectFrom} on a 128-bit vector, which C2 compiles to a single {@code pshufb}/{@code
 * tbl}. 128 bits on purpose: on AVX2 a 256-bit byte rearrange crosses lanes and costs five
 * instructions instead of one, so two 128-bit lookups are cheaper than one 256-bit one.
 *
 * <p>{@link #mulAdd} is cache-blocked: the data is cut into blocks of {@value #BLOCK} bytes; for
 * each block and each group of up to four outputs, every input in turn is multiplied into the
 * group (its eight tables held in registers, the outputs' block in L1), so all parities are made
 * in one pass over the data. Tails shorter than 16 bytes go to the scalar code.
 *
 * <p>{@link #xor} and {@link #pq} need no lookups and use the widest vector the CPU has; Q is
 * computed by Horner's rule with multiply-by-2 as {@code (q + q) ^ (q < 0 ? 0x1d : 0)}.
 */
public final class VectorKernel implements GfKernel {
  /** The instance {@link GfKernels} loads. */
  public static final VectorKernel INSTANCE = new VectorKernel();

  private static final VectorSpecies<Byte> S128 = ByteVector.SPECIES_128;
  private static final VectorSpecies<Byte> WIDE = ByteVector.SPECIES_PREFERRED;
  private static final int BLOCK = 2048;
  private static final int XOR_BLOCK = 8 * 1024;
  private static final int STEP = 16;

  private VectorKernel() {}

  @Override
  public String name() {
    return "vector-" + WIDE.vectorBitSize();
  }

  @Override
  public void mulAdd(GfMatrix m, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate) {
    int rows = m.rows();
    int cols = m.cols();
    if (in.length < cols || out.length < rows) {
      throw new IllegalArgumentException("matrix is " + rows + "x" + cols + " but got " + in.length + " inputs and " + out.length + " outputs");
    }
    int vecLen = len - len % STEP;
    byte[] t = m.nibbleTables();
    for (int start = 0; start < vecLen; start += BLOCK) {
      int n = Math.min(BLOCK, vecLen - start);
      int io = inOff + start;
      int oo = outOff + start;
      int r = 0;
      for (; r + 4 <= rows; r += 4) {
        for (int c = 0; c < cols; c++) {
          mul4(t, (c * rows + r) * 32, in[c], io, out[r], out[r + 1], out[r + 2], out[r + 3], oo, n, c > 0 || accumulate);
        }
      }
      for (; r + 2 <= rows; r += 2) {
        for (int c = 0; c < cols; c++) {
          mul2(t, (c * rows + r) * 32, in[c], io, out[r], out[r + 1], oo, n, c > 0 || accumulate);
        }
      }
      if (r < rows) {
        for (int c = 0; c < cols; c++) {
          mul1(t, (c * rows + r) * 32, in[c], io, out[r], oo, n, c > 0 || accumulate);
        }
      }
    }
    if (vecLen < len) {
      ScalarKernel.mulAddRange(m, in, inOff, out, outOff, vecLen, len, accumulate);
    }
  }

  /*
   * The three mulN methods: one input times N coefficients into N outputs over n bytes (a multiple
   * of 16), the 2N nibble tables held in registers. The low nibble needs no mask: selectFrom wraps
   * its indexes modulo 16, so lo[x & 15] is x.selectFrom(lo); the high nibble is x >>> 4 within
   * each 16-bit lane, also wrapped. They call no helper that returns a vector: when C2 stops
   * inlining (NodeCountInliningCutoff), a vector returned from a call is boxed on the heap and the
   * kernel runs ten times slower (measured: 0.4 GB/s instead of 4).
   */

  private static void mul4(byte[] t, int tb, byte[] src, int io, byte[] o0, byte[] o1, byte[] o2, byte[] o3, int oo, int n, boolean add) {
    ByteVector l0 = ByteVector.fromArray(S128, t, tb);
    ByteVector h0 = ByteVector.fromArray(S128, t, tb + 16);
    ByteVector l1 = ByteVector.fromArray(S128, t, tb + 32);
    ByteVector h1 = ByteVector.fromArray(S128, t, tb + 48);
    ByteVector l2 = ByteVector.fromArray(S128, t, tb + 64);
    ByteVector h2 = ByteVector.fromArray(S128, t, tb + 80);
    ByteVector l3 = ByteVector.fromArray(S128, t, tb + 96);
    ByteVector h3 = ByteVector.fromArray(S128, t, tb + 112);
    if (add) {
      for (int x = 0; x < n; x += STEP) {
        ByteVector d = ByteVector.fromArray(S128, src, io + x);
        ByteVector dh = d.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
        int ox = oo + x;
        ByteVector.fromArray(S128, o0, ox).lanewise(VectorOperators.XOR, d.selectFrom(l0)).lanewise(VectorOperators.XOR, dh.selectFrom(h0)).intoArray(o0, ox);
        ByteVector.fromArray(S128, o1, ox).lanewise(VectorOperators.XOR, d.selectFrom(l1)).lanewise(VectorOperators.XOR, dh.selectFrom(h1)).intoArray(o1, ox);
        ByteVector.fromArray(S128, o2, ox).lanewise(VectorOperators.XOR, d.selectFrom(l2)).lanewise(VectorOperators.XOR, dh.selectFrom(h2)).intoArray(o2, ox);
        ByteVector.fromArray(S128, o3, ox).lanewise(VectorOperators.XOR, d.selectFrom(l3)).lanewise(VectorOperators.XOR, dh.selectFrom(h3)).intoArray(o3, ox);
      }
    } else {
      for (int x = 0; x < n; x += STEP) {
        ByteVector d = ByteVector.fromArray(S128, src, io + x);
        ByteVector dh = d.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
        int ox = oo + x;
        d.selectFrom(l0).lanewise(VectorOperators.XOR, dh.selectFrom(h0)).intoArray(o0, ox);
        d.selectFrom(l1).lanewise(VectorOperators.XOR, dh.selectFrom(h1)).intoArray(o1, ox);
        d.selectFrom(l2).lanewise(VectorOperators.XOR, dh.selectFrom(h2)).intoArray(o2, ox);
        d.selectFrom(l3).lanewise(VectorOperators.XOR, dh.selectFrom(h3)).intoArray(o3, ox);
      }
    }
  }

  private static void mul2(byte[] t, int tb, byte[] src, int io, byte[] o0, byte[] o1, int oo, int n, boolean add) {
    ByteVector l0 = ByteVector.fromArray(S128, t, tb);
    ByteVector h0 = ByteVector.fromArray(S128, t, tb + 16);
    ByteVector l1 = ByteVector.fromArray(S128, t, tb + 32);
    ByteVector h1 = ByteVector.fromArray(S128, t, tb + 48);
    for (int x = 0; x < n; x += STEP) {
      ByteVector d = ByteVector.fromArray(S128, src, io + x);
      ByteVector dh = d.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
      int ox = oo + x;
      ByteVector p0 = d.selectFrom(l0).lanewise(VectorOperators.XOR, dh.selectFrom(h0));
      ByteVector p1 = d.selectFrom(l1).lanewise(VectorOperators.XOR, dh.selectFrom(h1));
      if (add) {
        p0 = p0.lanewise(VectorOperators.XOR, ByteVector.fromArray(S128, o0, ox));
        p1 = p1.lanewise(VectorOperators.XOR, ByteVector.fromArray(S128, o1, ox));
      }
      p0.intoArray(o0, ox);
      p1.intoArray(o1, ox);
    }
  }

  private static void mul1(byte[] t, int tb, byte[] src, int io, byte[] o0, int oo, int n, boolean add) {
    ByteVector l0 = ByteVector.fromArray(S128, t, tb);
    ByteVector h0 = ByteVector.fromArray(S128, t, tb + 16);
    for (int x = 0; x < n; x += STEP) {
      ByteVector d = ByteVector.fromArray(S128, src, io + x);
      ByteVector p0 = d.selectFrom(l0).lanewise(VectorOperators.XOR,
          d.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().selectFrom(h0));
      if (add) {
        p0 = p0.lanewise(VectorOperators.XOR, ByteVector.fromArray(S128, o0, oo + x));
      }
      p0.intoArray(o0, oo + x);
    }
  }

  /**
   * XOR in blocks of {@value #XOR_BLOCK} bytes: the output block stays in L1 while the inputs are
   * folded into it two at a time (measured faster than one pass over all inputs per vector).
   */
  @Override
  public void xor(byte[][] in, int inOff, byte[] out, int outOff, int len, boolean accumulate) {
    int step = WIDE.length();
    int vecLen = len - len % step;
    int k = in.length;
    for (int base = 0; base < vecLen; base += XOR_BLOCK) {
      int end = Math.min(vecLen, base + XOR_BLOCK);
      int i = 0;
      if (!accumulate) {
        byte[] a = in[0];
        if (k == 1) {
          for (int x = base; x < end; x += step) {
            ByteVector.fromArray(WIDE, a, inOff + x).intoArray(out, outOff + x);
          }
          continue;
        }
        byte[] b = in[1];
        for (int x = base; x < end; x += step) {
          ByteVector.fromArray(WIDE, a, inOff + x).lanewise(VectorOperators.XOR, ByteVector.fromArray(WIDE, b, inOff + x)).intoArray(out, outOff + x);
        }
        i = 2;
      }
      for (; i + 1 < k; i += 2) {
        byte[] a = in[i];
        byte[] b = in[i + 1];
        for (int x = base; x < end; x += step) {
          ByteVector.fromArray(WIDE, out, outOff + x)
              .lanewise(VectorOperators.XOR, ByteVector.fromArray(WIDE, a, inOff + x))
              .lanewise(VectorOperators.XOR, ByteVector.fromArray(WIDE, b, inOff + x))
              .intoArray(out, outOff + x);
        }
      }
      if (i < k) {
        byte[] a = in[i];
        for (int x = base; x < end; x += step) {
          ByteVector.fromArray(WIDE, out, outOff + x).lanewise(VectorOperators.XOR, ByteVector.fromArray(WIDE, a, inOff + x)).intoArray(out, outOff + x);
        }
      }
    }
    if (vecLen < len) {
      ScalarKernel.xorRange(in, inOff, out, outOff, vecLen, len, accumulate);
    }
  }

  @Override
  public void pq(byte[][] in, int[] inOffs, byte[] p, byte[] q, int outOff, int len) {
    int step = WIDE.length();
    int vecLen = len - len % step;
    int last = in.length - 1;
    ByteVector poly = ByteVector.broadcast(WIDE, (byte) 0x1d);
    ByteVector zero = ByteVector.zero(WIDE);
    for (int x = 0; x < vecLen; x += step) {
      ByteVector pv = ByteVector.fromArray(WIDE, in[last], inOffs[last] + x);
      ByteVector qv = pv;
      for (int i = last - 1; i >= 0; i--) {
        ByteVector d = ByteVector.fromArray(WIDE, in[i], inOffs[i] + x);
        pv = pv.lanewise(VectorOperators.XOR, d);
        VectorMask<Byte> overflow = qv.compare(VectorOperators.LT, (byte) 0);
        qv = qv.add(qv).lanewise(VectorOperators.XOR, zero.blend(poly, overflow)).lanewise(VectorOperators.XOR, d);
      }
      pv.intoArray(p, outOff + x);
      qv.intoArray(q, outOff + x);
    }
    if (vecLen < len) {
      ScalarKernel.pqRange(in, inOffs, p, q, outOff, vecLen, len);
    }
  }
}
