package io.datawarehouse.raid.internal.gf;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the GF(2^8) kernel once per JVM.
 *
 * <p>The Vector API kernel lives in a separate source set (compiled with {@code --add-modules
 * jdk.incubator.vector}) and is loaded here by name, so that this module runs on a JVM started
 * without that module: the class then fails to link and the scalar kernel is used, with one INFO
 * line saying so. With the module, {@code auto} wraps the vector kernel in a {@link WarmingKernel}
 * (scalar until the JIT has compiled the vector code). The system property {@value #PROPERTY}
 * ({@code auto}, {@code vector}, {@code scalar}) overrides the choice; {@code vector} uses the
 * vector kernel from the first call and is an error on a JVM without the module.
 */
public final class GfKernels {
  /** System property that forces a kernel: auto (default), vector or scalar. */
  public static final String PROPERTY = "dw.raid.kernel";

  private static final Logger LOG = LoggerFactory.getLogger(GfKernels.class);
  private static final String VECTOR_CLASS = "io.datawarehouse.raid.internal.gf.VectorKernel";
  private static final GfKernel BEST = choose();

  private GfKernels() {}

  /** The kernel this JVM uses. */
  public static GfKernel best() {
    return BEST;
  }

  /** The scalar kernel. */
  public static GfKernel scalar() {
    return ScalarKernel.INSTANCE;
  }

  /** The Vector API kernel itself (no warm-up), or null when this JVM does not have {@code jdk.incubator.vector}. */
  public static GfKernel vectorOrNull() {
    try {
      return loadVector();
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  /**
   * Every variant of the Vector API kernel (its lookup widths; {@link #best()} uses one of them),
   * so tests can hold each to the scalar kernel on any CPU; empty when this JVM does not have
   * {@code jdk.incubator.vector}.
   */
  public static java.util.List<GfKernel> vectorVariants() {
    try {
      loadVector();
      Class<?> c = Class.forName(VECTOR_CLASS, true, GfKernels.class.getClassLoader());
      java.util.List<?> all = (java.util.List<?>) c.getField("VARIANTS").get(null);
      return all.stream().map(GfKernel.class::cast).toList();
    } catch (ReflectiveOperationException | LinkageError e) {
      return java.util.List.of();
    }
  }

  private static GfKernel loadVector() throws ReflectiveOperationException {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      throw new ClassNotFoundException("the module jdk.incubator.vector is not in the boot layer (start the JVM with --add-modules jdk.incubator.vector)");
    }
    Class<?> c = Class.forName(VECTOR_CLASS, true, GfKernels.class.getClassLoader());
    return (GfKernel) c.getField("INSTANCE").get(null);
  }

  private static GfKernel choose() {
    String mode = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    switch (mode) {
      case "scalar" -> {
        return ScalarKernel.INSTANCE;
      }
      case "vector" -> {
        try {
          return loadVector();
        } catch (ReflectiveOperationException | LinkageError e) {
          throw new IllegalStateException(PROPERTY + "=vector but the Vector API kernel cannot be loaded: " + e.getMessage(), e);
        }
      }
      case "auto" -> {
        GfKernel vector;
        try {
          vector = loadVector();
        } catch (ReflectiveOperationException | LinkageError e) {
          LOG.info("erasure coding uses the scalar kernel: {} (add --add-modules jdk.incubator.vector for the vector kernel)", e.getMessage());
          return ScalarKernel.INSTANCE;
        }
        String disagreement = disagreement(vector);
        if (disagreement != null) {
          LOG.warn("erasure coding uses the scalar kernel: the Vector API kernel {} on this JVM ({} {}); report it with the JDK version",
              disagreement, System.getProperty("java.vm.name"), Runtime.version());
          return ScalarKernel.INSTANCE;
        }
        GfKernel k = new WarmingKernel(vector);
        LOG.debug("erasure coding uses the {} kernel (scalar until it is warm)", k.name());
        return k;
      }
      default -> throw new IllegalStateException(PROPERTY + " must be auto, vector or scalar, was '" + mode + "'");
    }
  }

  /**
   * Runs {@code k} once beside the scalar kernel on a few KiB (full vectors and a tail, each
   * operation): null when every output byte agrees, else what went wrong. The vector kernel leans
   * on Vector API details (lookups that wrap their indexes) that an incubator module may change
   * between JDKs; a JVM where they differ gets the slower, correct kernel instead of wrong parity.
   */
  static String disagreement(GfKernel k) {
    int cols = 10;
    int rows = 4;
    int len = 4096 + 131;
    java.util.SplittableRandom r = new java.util.SplittableRandom(0x5eed);
    byte[][] in = new byte[cols][len];
    byte[][] m = new byte[rows][cols];
    for (byte[] row : in) {
      r.nextBytes(row);
    }
    for (byte[] row : m) {
      r.nextBytes(row);
    }
    try {
      for (int outputs = 1; outputs <= rows; outputs++) {
        GfMatrix sub = GfMatrix.of(java.util.Arrays.copyOf(m, outputs));
        byte[][] want = new byte[outputs][len];
        byte[][] got = new byte[outputs][len];
        ScalarKernel.INSTANCE.mulAdd(sub, in, 0, want, 0, len, false);
        k.mulAdd(sub, in, 0, got, 0, len, false);
        if (!java.util.Arrays.deepEquals(want, got)) {
          return "computed a different product (" + outputs + " of " + rows + " rows)";
        }
      }
      byte[] wantP = new byte[len];
      byte[] wantQ = new byte[len];
      byte[] gotP = new byte[len];
      byte[] gotQ = new byte[len];
      ScalarKernel.INSTANCE.pq(in, 0, wantP, wantQ, 0, len);
      k.pq(in, 0, gotP, gotQ, 0, len);
      ScalarKernel.INSTANCE.xor(in, 0, wantQ, 0, len, true);
      k.xor(in, 0, gotQ, 0, len, true);
      if (!java.util.Arrays.equals(wantP, gotP) || !java.util.Arrays.equals(wantQ, gotQ)) {
        return "computed a different P, Q or XOR";
      }
      return null;
    } catch (RuntimeException e) {
      return "failed (" + e + ")";
    }
  }
}
