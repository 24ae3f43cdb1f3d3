package io.datawarehouse.raid.internal.gf;

import java.util.SplittableRandom;

/**
 * The vector kernel behind a warm-up: until the JIT has compiled the Vector API code (interpreted,
 * it is far slower than the scalar kernel), calls go to the scalar kernel, and a background thread
 * exercises the vector kernel on small buffers; then every call goes to the vector kernel. Both
 * kernels produce identical bytes, so the switch is invisible except in speed. A short command-line
 * run thus stays on the fast path for a cold JVM, and a long-running server gets the vector
 * kernel within a second or so.
 */
final class WarmingKernel implements GfKernel {
  private final GfKernel vector;
  private volatile boolean warm;

  WarmingKernel(GfKernel vector) {
    this.vector = vector;
    Thread t = new Thread(this::warmUp, "dw-raid-kernel-warmup");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  private void warmUp() {
    try {
      SplittableRandom r = new SplittableRandom(1);
      int len = 4096;
      byte[][] in = new byte[10][len];
      for (byte[] b : in) {
        for (int i = 0; i < len; i++) {
          b[i] = (byte) r.nextInt(256);
        }
      }
      byte[][] out = new byte[4][len];
      byte[][] coef = new byte[4][10];
      for (byte[] row : coef) {
        for (int i = 0; i < row.length; i++) {
          row[i] = (byte) (1 + r.nextInt(255));
        }
      }
      GfMatrix four = GfMatrix.of(coef);
      GfMatrix two = GfMatrix.of(new byte[][] {coef[0], coef[1]});
      GfMatrix one = GfMatrix.of(new byte[][] {coef[0]});
      for (int i = 0; i < 3000; i++) {
        vector.mulAdd(four, in, 0, out, 0, len, (i & 1) == 0);
        vector.mulAdd(two, in, 0, out, 0, len, false);
        vector.mulAdd(one, in, 0, out, 0, len, true);
        vector.mulAdd(four, in, 0, out, 0, len - 80, false); // a tail shorter than the widest step
        vector.xor(in, 0, out[0], 0, len, (i & 1) == 0);
        vector.pq(in, 0, out[0], out[1], 0, len);
      }
    } finally {
      warm = true;
    }
  }

  /** Whether calls go to the vector kernel now. */
  boolean isWarm() {
    return warm;
  }

  private GfKernel current() {
    return warm ? vector : ScalarKernel.INSTANCE;
  }

  @Override
  public String name() {
    return vector.name();
  }

  @Override
  public void mulAdd(GfMatrix m, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate) {
    current().mulAdd(m, in, inOff, out, outOff, len, accumulate);
  }

  @Override
  public void xor(byte[][] in, int inOff, byte[] out, int outOff, int len, boolean accumulate) {
    current().xor(in, inOff, out, outOff, len, accumulate);
  }

  @Override
  public void pq(byte[][] in, int[] inOffs, byte[] p, byte[] q, int outOff, int len) {
    current().pq(in, inOffs, p, q, outOff, len);
  }
}
