package io.datawarehouse.raid.internal.gf;

/**
 * Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d) and generator 2,
 * the field of Linux md RAID6, ISA-L and most Reed-Solomon storage codes.
 *
 * <p>Addition is XOR. Multiplication uses log/exp tables for single products and a full 64 KiB
 * product table ({@link #MUL}, indexed {@code c << 8 | x}) for the scalar kernels, where one
 * lookup per byte is the fastest scalar form. Matrices are {@code byte[rows][cols]}.
 *
 * <p>Stateless and thread-safe; the tables are built once.
 */
public final class Gf256 {
  /** The reduction polynomial. */
  public static final int POLYNOMIAL = 0x11d;

  private static final byte[] EXP = new byte[512];
  private static final int[] LOG = new int[256];

  /** {@code MUL[c << 8 | x] = c * x}. */
  static final byte[] MUL = new byte[256 * 256];

  static {
    int x = 1;
    for (int i = 0; i < 255; i++) {
      EXP[i] = (byte) x;
      LOG[x] = i;
      x <<= 1;
      if ((x & 0x100) != 0) {
        x ^= POLYNOMIAL;
      }
    }
    for (int i = 255; i < 512; i++) {
      EXP[i] = EXP[i - 255];
    }
    for (int c = 0; c < 256; c++) {
      for (int v = 0; v < 256; v++) {
        MUL[c << 8 | v] = (byte) mul(c, v);
      }
    }
  }

  private Gf256() {}

  /** {@code a * b}; both in 0..255. */
  public static int mul(int a, int b) {
    if (a == 0 || b == 0) {
      return 0;
    }
    return EXP[LOG[a] + LOG[b]] & 0xff;
  }

  /** The multiplicative inverse of {@code a} (1..255). */
  public static int inv(int a) {
    if (a == 0) {
      throw new ArithmeticException("0 has no inverse in GF(2^8)");
    }
    return EXP[255 - LOG[a]] & 0xff;
  }

  /** {@code a / b}. */
  public static int div(int a, int b) {
    return mul(a, inv(b));
  }

  /** {@code 2^e} for any {@code e >= 0}. */
  public static int exp2(int e) {
    return EXP[e % 255] & 0xff;
  }

  /**
   * The systematic Cauchy generator of a k+m code: k identity rows, then m rows with {@code
   * G[k + r][c] = 1 / ((k + r) xor c)}.
   *
   * <p>Why it is MDS: with x_r = k + r and y_c = c, all x distinct, all y distinct and no x equal
   * to a y (x >= k > y), the parity block is a Cauchy matrix 1/(x_r + y_c), and every square
   * submatrix of a Cauchy matrix is non-singular. Any k rows of [I; C] then form a matrix whose
   * determinant is, up to sign, that of a square submatrix of C: so any k surviving shards decode.
   *
   * @throws IllegalArgumentException unless {@code k >= 1, m >= 0, k + m <= 256}
   */
  public static byte[][] cauchyGenerator(int k, int m) {
    if (k < 1 || m < 0 || k + m > 256) {
      throw new IllegalArgumentException("a Cauchy code needs k >= 1, m >= 0 and k + m <= 256: k=" + k + ", m=" + m);
    }
    byte[][] g = new byte[k + m][k];
    for (int i = 0; i < k; i++) {
      g[i][i] = 1;
    }
    for (int r = 0; r < m; r++) {
      for (int c = 0; c < k; c++) {
        g[k + r][c] = (byte) inv((k + r) ^ c);
      }
    }
    return g;
  }

  /**
   * The RAID6 generator for k data shards: identity, then P (all ones) and Q ({@code 2^c}). MDS for
   * k <= 255 because the powers 2^c are distinct.
   */
  public static byte[][] pqGenerator(int k) {
    if (k < 1 || k > 255) {
      throw new IllegalArgumentException("RAID6 P+Q needs 1 <= k <= 255 data shards: k=" + k);
    }
    byte[][] g = new byte[k + 2][k];
    for (int i = 0; i < k; i++) {
      g[i][i] = 1;
      g[k][i] = 1;
      g[k + 1][i] = (byte) exp2(i);
    }
    return g;
  }

  /** {@code a (n x n) * b (n x p)}. */
  public static byte[][] multiply(byte[][] a, byte[][] b) {
    int n = a.length;
    int inner = b.length;
    int p = b[0].length;
    byte[][] out = new byte[n][p];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < p; j++) {
        int s = 0;
        for (int t = 0; t < inner; t++) {
          s ^= mul(a[i][t] & 0xff, b[t][j] & 0xff);
        }
        out[i][j] = (byte) s;
      }
    }
    return out;
  }

  /**
   * The inverse of a square matrix by Gauss-Jordan elimination.
   *
   * @throws ArithmeticException when the matrix is singular
   */
  public static byte[][] invert(byte[][] matrix) {
    int n = matrix.length;
    byte[][] a = new byte[n][];
    byte[][] inv = new byte[n][n];
    for (int i = 0; i < n; i++) {
      if (matrix[i].length != n) {
        throw new IllegalArgumentException("not a square matrix: row " + i + " has " + matrix[i].length + " columns, expected " + n);
      }
      a[i] = matrix[i].clone();
      inv[i][i] = 1;
    }
    for (int col = 0; col < n; col++) {
      int pivot = col;
      while (pivot < n && a[pivot][col] == 0) {
        pivot++;
      }
      if (pivot == n) {
        throw new ArithmeticException("singular matrix (column " + col + " has no pivot)");
      }
      if (pivot != col) {
        byte[] t = a[pivot];
        a[pivot] = a[col];
        a[col] = t;
        t = inv[pivot];
        inv[pivot] = inv[col];
        inv[col] = t;
      }
      int scale = inv(a[col][col] & 0xff);
      scaleRow(a[col], scale);
      scaleRow(inv[col], scale);
      for (int r = 0; r < n; r++) {
        int f = a[r][col] & 0xff;
        if (r != col && f != 0) {
          addScaledRow(a[r], a[col], f);
          addScaledRow(inv[r], inv[col], f);
        }
      }
    }
    return inv;
  }

  private static void scaleRow(byte[] row, int f) {
    for (int i = 0; i < row.length; i++) {
      row[i] = (byte) mul(row[i] & 0xff, f);
    }
  }

  private static void addScaledRow(byte[] dst, byte[] src, int f) {
    for (int i = 0; i < dst.length; i++) {
      dst[i] ^= (byte) mul(src[i] & 0xff, f);
    }
  }
}
