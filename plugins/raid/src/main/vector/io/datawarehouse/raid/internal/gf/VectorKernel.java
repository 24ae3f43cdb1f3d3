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
 * <p>With 512-bit lookups ({@link #LOOKUP_512}, chosen on CPUs with AVX-512 VBMI, where a 64-lane
 * byte {@code selectFrom} is one {@code vpermb}) {@link #mulAdd} instead keeps the outputs in
 * registers: per 128 bytes, every input in turn is multiplied into up to four outputs, which are
 * stored once (see {@code dot4}). Its tails (under 128 bytes) go to the scalar code, not to the
 * 128-bit path, on purpose: the hi-nibble shift goes through {@code reinterpretAsShorts()}, shared
 * JDK code whose type profile, once it has seen 128-bit and 512-bit vectors in one JVM, makes C2
 * box every vector of the 512-bit loop (measured 0.4 GB/s instead of 10 to 13). A JVM therefore
 * uses one lookup width only; the tests, which run both variants in one JVM, still get the right
 * bytes, just slowly. (A byte-wise shift instead of the 16-bit one avoids that but measured 25%
 * slower.)
 *
 * <p>{@link #xor} and {@link #pq} need no lookups and use the widest vector the CPU has; Q is
 * computed by Horner's rule with multiply-by-2 as {@code (q + q) ^ (q < 0 ? 0x1d : 0)}.
 */
public final class VectorKernel implements GfKernel {
  /** System property choosing the lookup width of {@link #mulAdd}: {@code auto} (default), {@code 128} or {@code 512}. */
  public static final String LOOKUP_PROPERTY = "dw.raid.vectorLookup";

  /** 128-bit lookups only (one {@code pshufb} each), whatever the CPU. */
  public static final VectorKernel LOOKUP_128 = new VectorKernel(false);

  /**
   * 512-bit lookups ({@code vpermb}, AVX-512 VBMI). Correct on any CPU (the Vector API falls back
   * to slower code), fast only where the CPU has that instruction.
   */
  public static final VectorKernel LOOKUP_512 = new VectorKernel(true);

  /** Both variants, for the tests that hold each of them to the scalar kernel. */
  public static final java.util.List<GfKernel> VARIANTS = java.util.List.of(LOOKUP_128, LOOKUP_512);

  /** The instance {@link GfKernels} loads: see {@link #chooseWide()}. */
  public static final VectorKernel INSTANCE = chooseWide() ? LOOKUP_512 : LOOKUP_128;

  private static final VectorSpecies<Byte> S128 = ByteVector.SPECIES_128;
  private static final VectorSpecies<Byte> S512 = ByteVector.SPECIES_512;
  private static final VectorSpecies<Byte> WIDE = ByteVector.SPECIES_PREFERRED;
  private static final int BLOCK = 2048;
  private static final int XOR_BLOCK = 8 * 1024;
  private static final int STEP = 16;
  /** Bytes per iteration of the 512-bit loops: two vectors, so every table loaded serves two. */
  private static final int WSTEP = 128;

  private final boolean wideLookups;

  private VectorKernel(boolean wideLookups) {
    this.wideLookups = wideLookups;
  }

  /**
   * 512-bit lookups when {@link #LOOKUP_PROPERTY} says {@code 512}, or when it is {@code auto} and
   * the JVM's preferred vectors are 512 bits wide and the CPU has AVX-512 VBMI (Linux: the flag
   * {@code avx512vbmi} in {@code /proc/cpuinfo}), i.e. a byte rearrange of 64 lanes is one {@code
   * vpermb}; without VBMI C2 needs a sequence of shuffles for it (not measured, so not chosen).
   */
  private static boolean chooseWide() {
    String mode = System.getProperty(LOOKUP_PROPERTY, "auto").trim();
    switch (mode) {
      case "128" -> {
        return false;
      }
      case "512" -> {
        return true;
      }
      case "auto" -> {
        if (ByteVector.SPECIES_PREFERRED.vectorBitSize() < 512) {
          return false;
        }
        try {
          for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("flags")) {
              return java.util.Arrays.asList(line.split("[\\s:]+")).contains("avx512vbmi");
            }
          }
          return false;
        } catch (java.io.IOException | RuntimeException e) {
          return false;
        }
      }
      default -> throw new IllegalStateException(LOOKUP_PROPERTY + " must be auto, 128 or 512, was '" + mode + "'");
    }
  }

  @Override
  public String name() {
    return "vector-" + WIDE.vectorBitSize() + (wideLookups ? "" : "-lookup128");
  }

  @Override
  public void mulAdd(GfMatrix m, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate) {
    int rows = m.rows();
    int cols = m.cols();
    if (in.length < cols || out.length < rows) {
      throw new IllegalArgumentException("matrix is " + rows + "x" + cols + " but got " + in.length + " inputs and " + out.length + " outputs");
    }
    if (!wideLookups) {
      mulAdd128(m, in, inOff, out, outOff, len, accumulate);
      return;
    }
    int wideLen = len - len % WSTEP;
    byte[] t = m.nibbleTables64();
    int stride = rows * 128;
    for (int start = 0; start < wideLen; start += BLOCK) {
      int n = Math.min(BLOCK, wideLen - start);
      int io = inOff + start;
      int oo = outOff + start;
      int r = 0;
      for (; r + 4 <= rows; r += 4) {
        dot4(t, r * 128, stride, in, io, cols, out[r], out[r + 1], out[r + 2], out[r + 3], oo, n, accumulate);
      }
      for (; r + 2 <= rows; r += 2) {
        dot2(t, r * 128, stride, in, io, cols, out[r], out[r + 1], oo, n, accumulate);
      }
      if (r < rows) {
        dot1(t, r * 128, stride, in, io, cols, out[r], oo, n, accumulate);
      }
    }
    if (wideLen < len) {
      ScalarKernel.mulAddRange(m, in, inOff, out, outOff, wideLen, len, accumulate);
    }
  }

  /*
   * The 512-bit dotN methods: N outputs over n bytes (a multiple of 128), two vectors of each
   * output accumulated in registers while every input in turn is multiplied in (its two tables per
   * output loaded once for both vectors), then stored once: the outputs are written once per pass,
   * not once per input. Tables are 64 bytes (the 16-byte table four times), so vpermb, which
   * indexes by the low six bits, reads lo[x & 15] for any x, and hi[...] for the 16-bit shift x >>> 4
   * (whose bits 4 and 5 come from the neighbouring byte). The outputs start from their contents or
   * from zero by one masked load (all-true or all-false mask), not a branch. No helper returns a
   * vector (see below).
   */

  private static void dot4(byte[] t, int tb, int stride, byte[][] in, int io, int cols, byte[] o0, byte[] o1, byte[] o2, byte[] o3, int oo, int n, boolean add) {
    VectorMask<Byte> keep = S512.maskAll(add);
    for (int x = 0; x < n; x += WSTEP) {
      int ox = oo + x;
      ByteVector a0 = ByteVector.fromArray(S512, o0, ox, keep);
      ByteVector a1 = ByteVector.fromArray(S512, o1, ox, keep);
      ByteVector a2 = ByteVector.fromArray(S512, o2, ox, keep);
      ByteVector a3 = ByteVector.fromArray(S512, o3, ox, keep);
      ByteVector b0 = ByteVector.fromArray(S512, o0, ox + 64, keep);
      ByteVector b1 = ByteVector.fromArray(S512, o1, ox + 64, keep);
      ByteVector b2 = ByteVector.fromArray(S512, o2, ox + 64, keep);
      ByteVector b3 = ByteVector.fromArray(S512, o3, ox + 64, keep);
      int ix = io + x;
      for (int c = 0, tc = tb; c < cols; c++, tc += stride) {
        byte[] src = in[c];
        ByteVector d = ByteVector.fromArray(S512, src, ix);
        ByteVector e = ByteVector.fromArray(S512, src, ix + 64);
        ByteVector dh = d.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
        ByteVector eh = e.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
        ByteVector l = ByteVector.fromArray(S512, t, tc);
        ByteVector h = ByteVector.fromArray(S512, t, tc + 64);
        a0 = a0.lanewise(VectorOperators.XOR, d.selectFrom(l)).lanewise(VectorOperators.XOR, dh.selectFrom(h));
        b0 = b0.lanewise(VectorOperators.XOR, e.selectFrom(l)).lanewise(VectorOperators.XOR, eh.selectFrom(h));
        l = ByteVector.fromArray(S512, t, tc + 128);
        h = ByteVector.fromArray(S512, t, tc + 192);
        a1 = a1.lanewise(VectorOperators.XOR, d.selectFrom(l)).lanewise(VectorOperators.XOR, dh.selectFrom(h));
        b1 = b1.lanewise(VectorOperators.XOR, e.selectFrom(l)).lanewise(VectorOperators.XOR, eh.selectFrom(h));
        l = ByteVector.fromArray(S512, t, tc + 256);
        h = ByteVector.fromArray(S512, t, tc + 320);
        a2 = a2.lanewise(VectorOperators.XOR, d.selectFrom(l)).lanewise(VectorOperators.XOR, dh.selectFrom(h));
        b2 = b2.lanewise(VectorOperators.XOR, e.selectFrom(l)).lanewise(VectorOperators.XOR, eh.selectFrom(h));
        l = ByteVector.fromArray(S512, t, tc + 384);
        h = ByteVector.fromArray(S512, t, tc + 448);
        a3 = a3.lanewise(VectorOperators.XOR, d.selectFrom(l)).lanewise(VectorOperators.XOR, dh.selectFrom(h));
        b3 = b3.lanewise(VectorOperators.XOR, e.selectFrom(l)).lanewise(VectorOperators.XOR, eh.selectFrom(h));
      }
      a0.intoArray(o0, ox);
      a1.intoArray(o1, ox);
      a2.intoArray(o2, ox);
      a3.intoArray(o3, ox);
      b0.intoArray(o0, ox + 64);
      b1.intoArray(o1, ox + 64);
      b2.intoArray(o2, ox + 64);
      b3.intoArray(o3, ox + 64);
    }
  }

  private static void dot2(byte[] t, int tb, int stride, byte[][] in, int io, int cols, byte[] o0, byte[] o1, int oo, int n, boolean add) {
    VectorMask<Byte> keep = S512.maskAll(add);
    for (int x = 0; x < n; x += WSTEP) {
      int ox = oo + x;
      ByteVector a0 = ByteVector.fromArray(S512, o0, ox, keep);
      ByteVector a1 = ByteVector.fromArray(S512, o1, ox, keep);
      ByteVector b0 = ByteVector.fromArray(S512, o0, ox + 64, keep);
      ByteVector b1 = ByteVector.fromArray(S512, o1, ox + 64, keep);
      int ix = io + x;
      for (int c = 0, tc = tb; c < cols; c++, tc += stride) {
        byte[] src = in[c];
        ByteVector d = ByteVector.fromArray(S512, src, ix);
        ByteVector e = ByteVector.fromArray(S512, src, ix + 64);
        ByteVector dh = d.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
        ByteVector eh = e.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
        ByteVector l = ByteVector.fromArray(S512, t, tc);
        ByteVector h = ByteVector.fromArray(S512, t, tc + 64);
        a0 = a0.lanewise(VectorOperators.XOR, d.selectFrom(l)).lanewise(VectorOperators.XOR, dh.selectFrom(h));
        b0 = b0.lanewise(VectorOperators.XOR, e.selectFrom(l)).lanewise(VectorOperators.XOR, eh.selectFrom(h));
        l = ByteVector.fromArray(S512, t, tc + 128);
        h = ByteVector.fromArray(S512, t, tc + 192);
        a1 = a1.lanewise(VectorOperators.XOR, d.selectFrom(l)).lanewise(VectorOperators.XOR, dh.selectFrom(h));
        b1 = b1.lanewise(VectorOperators.XOR, e.selectFrom(l)).lanewise(VectorOperators.XOR, eh.selectFrom(h));
      }
      a0.intoArray(o0, ox);
      a1.intoArray(o1, ox);
      b0.intoArray(o0, ox + 64);
      b1.intoArray(o1, ox + 64);
    }
  }

  private static void dot1(byte[] t, int tb, int stride, byte[][] in, int io, int cols, byte[] o0, int oo, int n, boolean add) {
    VectorMask<Byte> keep = S512.maskAll(add);
    for (int x = 0; x < n; x += WSTEP) {
      int ox = oo + x;
      ByteVector a0 = ByteVector.fromArray(S512, o0, ox, keep);
      ByteVector b0 = ByteVector.fromArray(S512, o0, ox + 64, keep);
      int ix = io + x;
      for (int c = 0, tc = tb; c < cols; c++, tc += stride) {
        byte[] src = in[c];
        ByteVector d = ByteVector.fromArray(S512, src, ix);
        ByteVector e = ByteVector.fromArray(S512, src, ix + 64);
        ByteVector l = ByteVector.fromArray(S512, t, tc);
        ByteVector h = ByteVector.fromArray(S512, t, tc + 64);
        a0 = a0.lanewise(VectorOperators.XOR, d.selectFrom(l))
            .lanewise(VectorOperators.XOR, d.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().selectFrom(h));
        b0 = b0.lanewise(VectorOperators.XOR, e.selectFrom(l))
            .lanewise(VectorOperators.XOR, e.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().selectFrom(h));
      }
      a0.intoArray(o0, ox);
      b0.intoArray(o0, ox + 64);
    }
  }

  /** {@link #mulAdd} with 128-bit lookups (the path for CPUs without 512-bit byte permutes, and tails). */
  private static void mulAdd128(GfMatrix m, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate) {
    int rows = m.rows();
    int cols = m.cols();
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
    // four vectors per step: Horner's rule is a chain of dependent operations per vector, so
    // four independent chains keep the CPU busy where one waits on each step's latency
    int x = 0;
    for (; x + 4 * step <= vecLen; x += 4 * step) {
      int x1 = x + step;
      int x2 = x + 2 * step;
      int x3 = x + 3 * step;
      int lo = inOffs[last];
      ByteVector p0 = ByteVector.fromArray(WIDE, in[last], lo + x);
      ByteVector p1 = ByteVector.fromArray(WIDE, in[last], lo + x1);
      ByteVector p2 = ByteVector.fromArray(WIDE, in[last], lo + x2);
      ByteVector p3 = ByteVector.fromArray(WIDE, in[last], lo + x3);
      ByteVector q0 = p0;
      ByteVector q1 = p1;
      ByteVector q2 = p2;
      ByteVector q3 = p3;
      for (int i = last - 1; i >= 0; i--) {
        byte[] src = in[i];
        int o = inOffs[i];
        ByteVector d0 = ByteVector.fromArray(WIDE, src, o + x);
        ByteVector d1 = ByteVector.fromArray(WIDE, src, o + x1);
        ByteVector d2 = ByteVector.fromArray(WIDE, src, o + x2);
        ByteVector d3 = ByteVector.fromArray(WIDE, src, o + x3);
        p0 = p0.lanewise(VectorOperators.XOR, d0);
        p1 = p1.lanewise(VectorOperators.XOR, d1);
        p2 = p2.lanewise(VectorOperators.XOR, d2);
        p3 = p3.lanewise(VectorOperators.XOR, d3);
        q0 = q0.add(q0).lanewise(VectorOperators.XOR, zero.blend(poly, q0.compare(VectorOperators.LT, (byte) 0))).lanewise(VectorOperators.XOR, d0);
        q1 = q1.add(q1).lanewise(VectorOperators.XOR, zero.blend(poly, q1.compare(VectorOperators.LT, (byte) 0))).lanewise(VectorOperators.XOR, d1);
        q2 = q2.add(q2).lanewise(VectorOperators.XOR, zero.blend(poly, q2.compare(VectorOperators.LT, (byte) 0))).lanewise(VectorOperators.XOR, d2);
        q3 = q3.add(q3).lanewise(VectorOperators.XOR, zero.blend(poly, q3.compare(VectorOperators.LT, (byte) 0))).lanewise(VectorOperators.XOR, d3);
      }
      p0.intoArray(p, outOff + x);
      p1.intoArray(p, outOff + x1);
      p2.intoArray(p, outOff + x2);
      p3.intoArray(p, outOff + x3);
      q0.intoArray(q, outOff + x);
      q1.intoArray(q, outOff + x1);
      q2.intoArray(q, outOff + x2);
      q3.intoArray(q, outOff + x3);
    }
    for (; x < vecLen; x += step) {
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
