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
 * <p>{@link #mulAdd} keeps up to four outputs in registers, two 16-byte positions each, and walks
 * all inputs for them before storing: every parity is produced in the same pass over the data,
 * and the tables for one input and the group are adjacent (see {@link GfMatrix}). With more than
 * four outputs the work is cut into blocks of {@value #BLOCK} bytes and every group of four runs
 * over a block while its inputs are still in L2 (cache blocking). Tails shorter than 32 bytes go
 * to the scalar code.
 *
 * <p>{@link #xor} and {@link #pq} need no lookups and use the widest vector the CPU has; Q is
 * computed by Horner's rule with multiply-by-2 as {@code (q + q) ^ (q < 0 ? 0x1d : 0)}.
 */
public final class VectorKernel implements GfKernel {
  /** The instance {@link GfKernels} loads. */
  public static final VectorKernel INSTANCE = new VectorKernel();

  private static final VectorSpecies<Byte> S128 = ByteVector.SPECIES_128;
  private static final VectorSpecies<Byte> WIDE = ByteVector.SPECIES_PREFERRED;
  private static final int BLOCK = 16 * 1024;
  private static final int XOR_BLOCK = 8 * 1024;
  private static final int STEP = 32;

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
    int block = rows <= 4 ? Math.max(vecLen, 1) : BLOCK;
    for (int start = 0; start < vecLen; start += block) {
      int end = Math.min(vecLen, start + block);
      int r = 0;
      for (; r + 4 <= rows; r += 4) {
        group4(t, rows, cols, r, in, inOff + start, out, outOff + start, end - start, accumulate);
      }
      for (; r + 2 <= rows; r += 2) {
        group2(t, rows, cols, r, in, inOff + start, out, outOff + start, end - start, accumulate);
      }
      if (r < rows) {
        group1(t, rows, cols, r, in, inOff + start, out, outOff + start, end - start, accumulate);
      }
    }
    if (vecLen < len) {
      ScalarKernel.mulAddRange(m, in, inOff, out, outOff, vecLen, len, accumulate);
    }
  }

  private static ByteVector lowNibbles(ByteVector v, ByteVector mask) {
    return v.and(mask);
  }

  private static ByteVector highNibbles(ByteVector v, ByteVector mask) {
    return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and(mask);
  }

  private static ByteVector start(boolean accumulate, byte[] o, int at) {
    return accumulate ? ByteVector.fromArray(S128, o, at) : ByteVector.zero(S128);
  }

  /** Four outputs {@code r..r+3}, {@code len} a multiple of 32. */
  private static void group4(byte[] t, int rows, int cols, int r, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate) {
    ByteVector mask = ByteVector.broadcast(S128, (byte) 0x0f);
    byte[] o0 = out[r];
    byte[] o1 = out[r + 1];
    byte[] o2 = out[r + 2];
    byte[] o3 = out[r + 3];
    int stride = rows * 32;
    for (int x = 0; x < len; x += STEP) {
      int ox = outOff + x;
      ByteVector a0 = start(accumulate, o0, ox);
      ByteVector b0 = start(accumulate, o0, ox + 16);
      ByteVector a1 = start(accumulate, o1, ox);
      ByteVector b1 = start(accumulate, o1, ox + 16);
      ByteVector a2 = start(accumulate, o2, ox);
      ByteVector b2 = start(accumulate, o2, ox + 16);
      ByteVector a3 = start(accumulate, o3, ox);
      ByteVector b3 = start(accumulate, o3, ox + 16);
      int tb = r * 32;
      for (int c = 0; c < cols; c++, tb += stride) {
        byte[] src = in[c];
        ByteVector d = ByteVector.fromArray(S128, src, inOff + x);
        ByteVector e = ByteVector.fromArray(S128, src, inOff + x + 16);
        ByteVector dl = lowNibbles(d, mask);
        ByteVector dh = highNibbles(d, mask);
        ByteVector el = lowNibbles(e, mask);
        ByteVector eh = highNibbles(e, mask);
        ByteVector tl = ByteVector.fromArray(S128, t, tb);
        ByteVector th = ByteVector.fromArray(S128, t, tb + 16);
        a0 = a0.lanewise(VectorOperators.XOR, dl.selectFrom(tl)).lanewise(VectorOperators.XOR, dh.selectFrom(th));
        b0 = b0.lanewise(VectorOperators.XOR, el.selectFrom(tl)).lanewise(VectorOperators.XOR, eh.selectFrom(th));
        tl = ByteVector.fromArray(S128, t, tb + 32);
        th = ByteVector.fromArray(S128, t, tb + 48);
        a1 = a1.lanewise(VectorOperators.XOR, dl.selectFrom(tl)).lanewise(VectorOperators.XOR, dh.selectFrom(th));
        b1 = b1.lanewise(VectorOperators.XOR, el.selectFrom(tl)).lanewise(VectorOperators.XOR, eh.selectFrom(th));
        tl = ByteVector.fromArray(S128, t, tb + 64);
        th = ByteVector.fromArray(S128, t, tb + 80);
        a2 = a2.lanewise(VectorOperators.XOR, dl.selectFrom(tl)).lanewise(VectorOperators.XOR, dh.selectFrom(th));
        b2 = b2.lanewise(VectorOperators.XOR, el.selectFrom(tl)).lanewise(VectorOperators.XOR, eh.selectFrom(th));
        tl = ByteVector.fromArray(S128, t, tb + 96);
        th = ByteVector.fromArray(S128, t, tb + 112);
        a3 = a3.lanewise(VectorOperators.XOR, dl.selectFrom(tl)).lanewise(VectorOperators.XOR, dh.selectFrom(th));
        b3 = b3.lanewise(VectorOperators.XOR, el.selectFrom(tl)).lanewise(VectorOperators.XOR, eh.selectFrom(th));
      }
      a0.intoArray(o0, ox);
      b0.intoArray(o0, ox + 16);
      a1.intoArray(o1, ox);
      b1.intoArray(o1, ox + 16);
      a2.intoArray(o2, ox);
      b2.intoArray(o2, ox + 16);
      a3.intoArray(o3, ox);
      b3.intoArray(o3, ox + 16);
    }
  }

  /** Two outputs {@code r, r+1}. */
  private static void group2(byte[] t, int rows, int cols, int r, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate) {
    ByteVector mask = ByteVector.broadcast(S128, (byte) 0x0f);
    byte[] o0 = out[r];
    byte[] o1 = out[r + 1];
    int stride = rows * 32;
    for (int x = 0; x < len; x += STEP) {
      int ox = outOff + x;
      ByteVector a0 = start(accumulate, o0, ox);
      ByteVector b0 = start(accumulate, o0, ox + 16);
      ByteVector a1 = start(accumulate, o1, ox);
      ByteVector b1 = start(accumulate, o1, ox + 16);
      int tb = r * 32;
      for (int c = 0; c < cols; c++, tb += stride) {
        byte[] src = in[c];
        ByteVector d = ByteVector.fromArray(S128, src, inOff + x);
        ByteVector e = ByteVector.fromArray(S128, src, inOff + x + 16);
        ByteVector dl = lowNibbles(d, mask);
        ByteVector dh = highNibbles(d, mask);
        ByteVector el = lowNibbles(e, mask);
        ByteVector eh = highNibbles(e, mask);
        ByteVector tl = ByteVector.fromArray(S128, t, tb);
        ByteVector th = ByteVector.fromArray(S128, t, tb + 16);
        a0 = a0.lanewise(VectorOperators.XOR, dl.selectFrom(tl)).lanewise(VectorOperators.XOR, dh.selectFrom(th));
        b0 = b0.lanewise(VectorOperators.XOR, el.selectFrom(tl)).lanewise(VectorOperators.XOR, eh.selectFrom(th));
        tl = ByteVector.fromArray(S128, t, tb + 32);
        th = ByteVector.fromArray(S128, t, tb + 48);
        a1 = a1.lanewise(VectorOperators.XOR, dl.selectFrom(tl)).lanewise(VectorOperators.XOR, dh.selectFrom(th));
        b1 = b1.lanewise(VectorOperators.XOR, el.selectFrom(tl)).lanewise(VectorOperators.XOR, eh.selectFrom(th));
      }
      a0.intoArray(o0, ox);
      b0.intoArray(o0, ox + 16);
      a1.intoArray(o1, ox);
      b1.intoArray(o1, ox + 16);
    }
  }

  /** One output {@code r}. */
  private static void group1(byte[] t, int rows, int cols, int r, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate) {
    ByteVector mask = ByteVector.broadcast(S128, (byte) 0x0f);
    byte[] o0 = out[r];
    int stride = rows * 32;
    for (int x = 0; x < len; x += STEP) {
      int ox = outOff + x;
      ByteVector a0 = start(accumulate, o0, ox);
      ByteVector b0 = start(accumulate, o0, ox + 16);
      int tb = r * 32;
      for (int c = 0; c < cols; c++, tb += stride) {
        byte[] src = in[c];
        ByteVector d = ByteVector.fromArray(S128, src, inOff + x);
        ByteVector e = ByteVector.fromArray(S128, src, inOff + x + 16);
        ByteVector tl = ByteVector.fromArray(S128, t, tb);
        ByteVector th = ByteVector.fromArray(S128, t, tb + 16);
        a0 = a0.lanewise(VectorOperators.XOR, lowNibbles(d, mask).selectFrom(tl))
            .lanewise(VectorOperators.XOR, highNibbles(d, mask).selectFrom(th));
        b0 = b0.lanewise(VectorOperators.XOR, lowNibbles(e, mask).selectFrom(tl))
            .lanewise(VectorOperators.XOR, highNibbles(e, mask).selectFrom(th));
      }
      a0.intoArray(o0, ox);
      b0.intoArray(o0, ox + 16);
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
  public void pq(byte[][] in, int inOff, byte[] p, byte[] q, int outOff, int len) {
    int step = WIDE.length();
    int vecLen = len - len % step;
    int last = in.length - 1;
    ByteVector poly = ByteVector.broadcast(WIDE, (byte) 0x1d);
    ByteVector zero = ByteVector.zero(WIDE);
    for (int x = 0; x < vecLen; x += step) {
      ByteVector pv = ByteVector.fromArray(WIDE, in[last], inOff + x);
      ByteVector qv = pv;
      for (int i = last - 1; i >= 0; i--) {
        ByteVector d = ByteVector.fromArray(WIDE, in[i], inOff + x);
        pv = pv.lanewise(VectorOperators.XOR, d);
        VectorMask<Byte> overflow = qv.compare(VectorOperators.LT, (byte) 0);
        qv = qv.add(qv).lanewise(VectorOperators.XOR, zero.blend(poly, overflow)).lanewise(VectorOperators.XOR, d);
      }
      pv.intoArray(p, outOff + x);
      qv.intoArray(q, outOff + x);
    }
    if (vecLen < len) {
      ScalarKernel.pqRange(in, inOff, p, q, outOff, vecLen, len);
    }
  }
}
