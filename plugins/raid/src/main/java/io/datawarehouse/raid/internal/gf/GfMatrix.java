package io.datawarehouse.raid.internal.gf;

/**
 * A coefficient matrix ({@code rows} outputs x {@code cols} inputs) prepared for the kernels:
 * the coefficients themselves (row-major, for the scalar kernel) and, for the vector kernel, two
 * 16-byte nibble tables per coefficient, {@code lo[n] = c * n} and {@code hi[n] = c * (n << 4)},
 * so that {@code c * x = lo[x & 15] ^ hi[x >>> 4]}.
 *
 * <p>Table layout: input-major, {@code ((col * rows) + row) * 32}, lo then hi: the tables a kernel
 * needs for one input and a group of consecutive outputs are adjacent in memory.
 *
 * <p>Immutable; share freely between threads (decode matrices are cached and shared).
 */
public final class GfMatrix {
  private final int rows;
  private final int cols;
  private final byte[] coefficients;
  private final byte[] nibbleTables;
  private volatile byte[] nibbleTables64;

  private GfMatrix(int rows, int cols, byte[] coefficients) {
    this.rows = rows;
    this.cols = cols;
    this.coefficients = coefficients;
    this.nibbleTables = new byte[rows * cols * 32];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int coef = coefficients[r * cols + c] & 0xff;
        int base = (c * rows + r) * 32;
        for (int n = 0; n < 16; n++) {
          nibbleTables[base + n] = (byte) Gf256.mul(coef, n);
          nibbleTables[base + 16 + n] = (byte) Gf256.mul(coef, n << 4);
        }
      }
    }
  }

  /** The matrix with these rows (each of the same length). */
  public static GfMatrix of(byte[][] m) {
    int rows = m.length;
    if (rows == 0) {
      throw new IllegalArgumentException("a coefficient matrix needs at least one row");
    }
    int cols = m[0].length;
    byte[] flat = new byte[rows * cols];
    for (int r = 0; r < rows; r++) {
      if (m[r].length != cols) {
        throw new IllegalArgumentException("row " + r + " has " + m[r].length + " columns, expected " + cols);
      }
      System.arraycopy(m[r], 0, flat, r * cols, cols);
    }
    return new GfMatrix(rows, cols, flat);
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** The coefficient applied to input {@code col} for output {@code row}. */
  public int coefficient(int row, int col) {
    return coefficients[row * cols + col] & 0xff;
  }

  /** Row-major coefficients; do not modify. */
  byte[] coefficients() {
    return coefficients;
  }

  /** Nibble tables in the layout described above; do not modify. */
  public byte[] nibbleTables() {
    return nibbleTables;
  }

  /**
   * The same tables for 512-bit lookups: each 16-byte table repeated four times (64 bytes), at
   * {@code ((col * rows) + row) * 128}, lo then hi. Built at the first call (a racing second
   * build gives identical bytes); do not modify.
   */
  public byte[] nibbleTables64() {
    byte[] wide = nibbleTables64;
    if (wide == null) {
      wide = new byte[nibbleTables.length * 4];
      for (int i = 0; i < nibbleTables.length; i += 16) {
        for (int rep = 0; rep < 4; rep++) {
          System.arraycopy(nibbleTables, i, wide, i * 4 + rep * 16, 16);
        }
      }
      nibbleTables64 = wide;
    }
    return wide;
  }
}
