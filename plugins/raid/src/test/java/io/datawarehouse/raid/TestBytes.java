package io.datawarehouse.raid;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Test helpers: random bytes and combinations. */
public final class TestBytes {
  private TestBytes() {}

  /** Fills {@code b} with random bytes from {@code rnd}. */
  public static void fill(SplittableRandom rnd, byte[] b) {
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) rnd.nextInt(256);
    }
  }

  /** {@code n} random arrays of {@code len} bytes. */
  public static byte[][] random(SplittableRandom rnd, int n, int len) {
    byte[][] out = new byte[n][len];
    for (byte[] b : out) {
      fill(rnd, b);
    }
    return out;
  }

  /** Every sorted subset of {@code size} indexes of {@code 0..n-1}. */
  public static List<int[]> subsets(int n, int size) {
    List<int[]> out = new ArrayList<>();
    int[] idx = new int[size];
    for (int i = 0; i < size; i++) {
      idx[i] = i;
    }
    while (true) {
      out.add(idx.clone());
      int i = size - 1;
      while (i >= 0 && idx[i] == n - size + i) {
        i--;
      }
      if (i < 0) {
        return out;
      }
      idx[i]++;
      for (int j = i + 1; j < size; j++) {
        idx[j] = idx[j - 1] + 1;
      }
    }
  }
}
