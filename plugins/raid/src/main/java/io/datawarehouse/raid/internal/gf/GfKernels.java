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
        try {
          GfKernel k = new WarmingKernel(loadVector());
          LOG.debug("erasure coding uses the {} kernel (scalar until it is warm)", k.name());
          return k;
        } catch (ReflectiveOperationException | LinkageError e) {
          LOG.info("erasure coding uses the scalar kernel: {} (add --add-modules jdk.incubator.vector for the vector kernel)", e.getMessage());
          return ScalarKernel.INSTANCE;
        }
      }
      default -> throw new IllegalStateException(PROPERTY + " must be auto, vector or scalar, was '" + mode + "'");
    }
  }
}
