package io.datawarehouse.raid.internal.codec;

import io.datawarehouse.raid.codec.ErasureCodec;
import io.datawarehouse.raid.internal.gf.Gf256;
import io.datawarehouse.raid.internal.gf.GfKernel;
import io.datawarehouse.raid.internal.gf.GfKernels;
import io.datawarehouse.raid.internal.gf.GfMatrix;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A systematic linear code given by its generator matrix G ({@code (k + m) x k}, the top k rows
 * the identity): shard {@code i} is {@code sum over j of G[i][j] * D_j}.
 *
 * <p>Encoding multiplies the parity rows by the data in one kernel pass; RAID6 and XOR use their
 * dedicated kernels (Horner P+Q, plain XOR), which compute the same products.
 *
 * <p>Decoding: pick {@code k} present shards (data first, so a decode reads as little parity as
 * possible), invert those rows of G, and express every wanted shard as a row over the picked
 * ones: a missing data shard {@code d} is row {@code d} of the inverse, a missing parity shard
 * {@code p} is {@code G[p] * inverse}. All wanted shards then come out of one kernel pass. The
 * resulting matrix depends only on the erasure pattern (picked, wanted), so it is cached: an LRU
 * of {@value #CACHE_SIZE} patterns. A row that is all ones (one lost shard under XOR or P) runs on
 * the XOR kernel.
 */
public final class MatrixCodec implements ErasureCodec {
  private static final int CACHE_SIZE = 512;

  private enum Kind {
    RS, RAID6, XOR, MIRROR
  }

  private final Kind kind;
  private final String name;
  private final int k;
  private final int m;
  private final byte[][] generator;
  private final GfMatrix parityMatrix;
  private final GfMatrix[] updateMatrices;
  private final GfMatrix[] deltaMatrices;
  private final GfKernel kernel;
  private final Map<PatternKey, DecodePlan> plans = new LinkedHashMap<>(64, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<PatternKey, DecodePlan> eldest) {
      return size() > CACHE_SIZE;
    }
  };

  private MatrixCodec(Kind kind, String name, byte[][] generator, int k, GfKernel kernel) {
    this.kind = kind;
    this.name = name;
    this.k = k;
    this.m = generator.length - k;
    this.generator = generator;
    this.kernel = kernel;
    this.parityMatrix = m == 0 ? null : GfMatrix.of(Arrays.copyOfRange(generator, k, k + m));
    this.updateMatrices = new GfMatrix[k];
    this.deltaMatrices = new GfMatrix[k];
    for (int d = 0; d < k && m > 0; d++) {
      byte[][] pair = new byte[m][2];
      byte[][] col = new byte[m][1];
      for (int p = 0; p < m; p++) {
        pair[p][0] = generator[k + p][d];
        pair[p][1] = generator[k + p][d];
        col[p][0] = generator[k + p][d];
      }
      updateMatrices[d] = GfMatrix.of(pair);
      deltaMatrices[d] = GfMatrix.of(col);
    }
  }

  /** Reed-Solomon with a Cauchy generator on the best kernel. */
  public static MatrixCodec reedSolomon(int k, int m) {
    return reedSolomon(k, m, GfKernels.best());
  }

  /** Reed-Solomon on a given kernel (tests and benchmarks compare kernels). */
  public static MatrixCodec reedSolomon(int k, int m, GfKernel kernel) {
    if (k < 1 || m < 0 || k + m > 255) {
      throw DwException.invalidArgument("Reed-Solomon needs k >= 1 data shards, m >= 0 parity shards and k + m <= 255, got k=" + k + ", m=" + m);
    }
    return new MatrixCodec(Kind.RS, "rs-" + k + "-" + m, Gf256.cauchyGenerator(k, m), k, kernel);
  }

  public static MatrixCodec raid6(int k) {
    return raid6(k, GfKernels.best());
  }

  public static MatrixCodec raid6(int k, GfKernel kernel) {
    if (k < 1 || k > 253) {
      throw DwException.invalidArgument("RAID6 needs 1 to 253 data shards, got " + k);
    }
    return new MatrixCodec(Kind.RAID6, "raid6-" + k, Gf256.pqGenerator(k), k, kernel);
  }

  public static MatrixCodec xor(int k) {
    return xor(k, GfKernels.best());
  }

  public static MatrixCodec xor(int k, GfKernel kernel) {
    if (k < 1 || k > 254) {
      throw DwException.invalidArgument("XOR parity needs 1 to 254 data shards, got " + k);
    }
    byte[][] g = new byte[k + 1][k];
    for (int i = 0; i < k; i++) {
      g[i][i] = 1;
      g[k][i] = 1;
    }
    return new MatrixCodec(Kind.XOR, "xor-" + k, g, k, kernel);
  }

  /** An n-way mirror as a code: one data shard and {@code copies - 1} identical parity shards. */
  public static MatrixCodec mirror(int copies) {
    if (copies < 1 || copies > 255) {
      throw DwException.invalidArgument("a mirror needs 1 to 255 copies, got " + copies);
    }
    byte[][] g = new byte[copies][1];
    for (byte[] row : g) {
      row[0] = 1;
    }
    return new MatrixCodec(Kind.MIRROR, "mirror-" + copies, g, 1, GfKernels.best());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int dataShards() {
    return k;
  }

  @Override
  public int parityShards() {
    return m;
  }

  @Override
  public int coefficient(int parityIndex, int dataIndex) {
    return generator[k + parityIndex][dataIndex] & 0xff;
  }

  /** The kernel this codec runs on. */
  public GfKernel kernel() {
    return kernel;
  }

  @Override
  public void encode(byte[][] shards, int off, int len) {
    checkShards(shards, off, len, null);
    if (m == 0 || len == 0) {
      return;
    }
    byte[][] data = Arrays.copyOf(shards, k);
    switch (kind) {
      case XOR -> kernel.xor(data, off, shards[k], off, len, false);
      case MIRROR -> {
        for (int p = k; p < k + m; p++) {
          System.arraycopy(shards[0], off, shards[p], off, len);
        }
      }
      case RAID6 -> kernel.pq(data, off, shards[k], shards[k + 1], off, len);
      case RS -> kernel.mulAdd(parityMatrix, data, off, Arrays.copyOfRange(shards, k, k + m), off, len, false);
    }
  }

  @Override
  public void encode(byte[][] data, int[] dataOffs, byte[][] parity, int parityOff, int len) {
    if (kind != Kind.RAID6 && kind != Kind.MIRROR && m > 0) {
      ErasureCodec.super.encode(data, dataOffs, parity, parityOff, len);
      return;
    }
    if (data.length != k || dataOffs.length != k || parity.length != m) {
      throw new IllegalArgumentException(name + " needs " + k + " data buffers and offsets and " + m + " parity buffers, got " + data.length + ", " + dataOffs.length + " and " + parity.length);
    }
    for (int j = 0; j < k; j++) {
      checkRange("data shard " + j, data[j], dataOffs[j], len);
    }
    for (int p = 0; p < m; p++) {
      checkRange("parity shard " + p, parity[p], parityOff, len);
    }
    if (len > 0 && kind == Kind.RAID6) {
      kernel.pq(data, dataOffs, parity[0], parity[1], parityOff, len);
    } else if (len > 0) { // a mirror, or no parity
      for (byte[] p : parity) {
        System.arraycopy(data[0], dataOffs[0], p, parityOff, len);
      }
    }
  }

  @Override
  public void reconstruct(byte[][] shards, boolean[] present, boolean[] wanted, int off, int len) {
    int n = k + m;
    if (present.length != n || wanted.length != n) {
      throw new IllegalArgumentException("present and wanted must have " + n + " entries (" + name + "), got " + present.length + " and " + wanted.length);
    }
    int[] picked = new int[k];
    int count = 0;
    int available = 0;
    for (int i = 0; i < n; i++) {
      if (present[i]) {
        available++;
        if (count < k) {
          picked[count++] = i;
        }
      }
      if (wanted[i] && present[i]) {
        throw new IllegalArgumentException("shard " + i + " is both present and wanted");
      }
    }
    int wantedCount = 0;
    for (boolean w : wanted) {
      wantedCount += w ? 1 : 0;
    }
    if (wantedCount == 0) {
      return;
    }
    if (available < k) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, name + " cannot recover: only " + available + " of " + n
          + " shards are available and " + k + " are needed (at most " + m + " may be lost, " + (n - available) + " are)");
    }
    int[] want = new int[wantedCount];
    for (int i = 0, j = 0; i < n; i++) {
      if (wanted[i]) {
        want[j++] = i;
      }
    }
    for (int i : picked) {
      checkShard(shards, i, off, len);
    }
    for (int i : want) {
      checkShard(shards, i, off, len);
    }
    if (len == 0) {
      return;
    }
    DecodePlan plan = plan(picked, want);
    byte[][] in = new byte[k][];
    for (int i = 0; i < k; i++) {
      in[i] = shards[picked[i]];
    }
    if (kind == Kind.MIRROR) {
      for (int w : want) {
        System.arraycopy(in[0], off, shards[w], off, len);
      }
      return;
    }
    if (plan.xorOnly) {
      kernel.xor(in, off, shards[want[0]], off, len, false);
      return;
    }
    byte[][] out = new byte[want.length][];
    for (int i = 0; i < want.length; i++) {
      out[i] = shards[want[i]];
    }
    kernel.mulAdd(plan.matrix, in, off, out, off, len, false);
  }

  @Override
  public void updateParity(int dataIndex, byte[] delta, int deltaOff, byte[][] parity, int parityOff, int len) {
    checkUpdate(dataIndex, parity, parityOff, len);
    checkRange("delta", delta, deltaOff, len);
    if (m == 0 || len == 0) {
      return;
    }
    byte[][] in = {delta};
    byte[][] p = Arrays.copyOf(parity, m);
    if (kind == Kind.XOR || kind == Kind.MIRROR) {
      for (byte[] parityShard : p) {
        kernel.xor(in, deltaOff, parityShard, parityOff, len, true);
      }
      return;
    }
    kernel.mulAdd(deltaMatrices[dataIndex], in, deltaOff, p, parityOff, len, true);
  }

  @Override
  public void updateParity(int dataIndex, byte[] oldData, byte[] newData, int dataOff, byte[][] parity, int parityOff, int len) {
    checkUpdate(dataIndex, parity, parityOff, len);
    checkRange("old data", oldData, dataOff, len);
    checkRange("new data", newData, dataOff, len);
    if (m == 0 || len == 0) {
      return;
    }
    byte[][] in = {oldData, newData};
    byte[][] p = Arrays.copyOf(parity, m);
    if (kind == Kind.XOR || kind == Kind.MIRROR) {
      for (byte[] parityShard : p) {
        kernel.xor(in, dataOff, parityShard, parityOff, len, true);
      }
      return;
    }
    kernel.mulAdd(updateMatrices[dataIndex], in, dataOff, p, parityOff, len, true);
  }

  private DecodePlan plan(int[] picked, int[] want) {
    PatternKey key = new PatternKey(picked, want);
    synchronized (plans) {
      DecodePlan p = plans.get(key);
      if (p != null) {
        return p;
      }
    }
    DecodePlan p = buildPlan(picked, want);
    synchronized (plans) {
      plans.put(key, p);
    }
    return p;
  }

  private DecodePlan buildPlan(int[] picked, int[] want) {
    byte[][] sub = new byte[k][];
    for (int i = 0; i < k; i++) {
      sub[i] = generator[picked[i]];
    }
    byte[][] inverse = Gf256.invert(sub);
    byte[][] rows = new byte[want.length][];
    for (int i = 0; i < want.length; i++) {
      int w = want[i];
      rows[i] = w < k ? inverse[w] : Gf256.multiply(new byte[][] {generator[w]}, inverse)[0];
    }
    boolean xorOnly = rows.length == 1;
    for (byte b : rows[0]) {
      xorOnly &= b == 1;
    }
    return new DecodePlan(GfMatrix.of(rows), xorOnly);
  }

  /** Number of cached decode plans (for tests). */
  public int cachedPlans() {
    synchronized (plans) {
      return plans.size();
    }
  }

  private void checkUpdate(int dataIndex, byte[][] parity, int parityOff, int len) {
    if (dataIndex < 0 || dataIndex >= k) {
      throw new IllegalArgumentException("data shard index " + dataIndex + " is out of range 0.." + (k - 1));
    }
    if (parity.length < m) {
      throw new IllegalArgumentException(name + " has " + m + " parity shards, got " + parity.length + " buffers");
    }
    for (int j = 0; j < m; j++) {
      checkRange("parity shard " + j, parity[j], parityOff, len);
    }
  }

  private void checkShards(byte[][] shards, int off, int len, boolean[] only) {
    if (shards.length != k + m) {
      throw new IllegalArgumentException(name + " needs " + (k + m) + " shard buffers, got " + shards.length);
    }
    for (int i = 0; i < shards.length; i++) {
      if (only == null || only[i]) {
        checkShard(shards, i, off, len);
      }
    }
  }

  private void checkShard(byte[][] shards, int i, int off, int len) {
    if (shards.length != k + m) {
      throw new IllegalArgumentException(name + " needs " + (k + m) + " shard buffers, got " + shards.length);
    }
    checkRange("shard " + i, shards[i], off, len);
  }

  private static void checkRange(String what, byte[] b, int off, int len) {
    if (b == null) {
      throw new IllegalArgumentException(what + " is null");
    }
    if (off < 0 || len < 0 || off > b.length - len) {
      throw new IllegalArgumentException(what + ": range [" + off + ", " + off + "+" + len + ") does not fit its " + b.length + " bytes");
    }
  }

  @Override
  public String toString() {
    return name + "[" + kernel.name() + "]";
  }

  private record DecodePlan(GfMatrix matrix, boolean xorOnly) {}

  /** An erasure pattern: which shards are read and which are rebuilt. */
  private static final class PatternKey {
    private final int[] picked;
    private final int[] want;
    private final int hash;

    PatternKey(int[] picked, int[] want) {
      this.picked = picked;
      this.want = want;
      this.hash = 31 * Arrays.hashCode(picked) + Arrays.hashCode(want);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PatternKey p && Arrays.equals(picked, p.picked) && Arrays.equals(want, p.want);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
