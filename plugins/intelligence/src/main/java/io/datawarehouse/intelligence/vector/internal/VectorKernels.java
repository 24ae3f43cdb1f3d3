package io.datawarehouse.intelligence.vector.internal;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the distance kernel once per JVM.
 *
 * <p>The Vector API kernel ({@code PanamaVectorKernel}) is compiled separately (see the module's
 * pom: the incubator module makes javac warn unconditionally) and loaded here by name, so that no
 * class compiled with warnings-as-errors refers to it. It is used when the boot layer has
 * {@code jdk.incubator.vector} (the JVM was started with {@code --add-modules
 * jdk.incubator.vector}, as {@code ./dw} and the tests do) and the system property
 * {@code dw.intelligence.vector} is not {@code scalar}; otherwise the scalar kernel serves and one
 * INFO line says why.
 */
public final class VectorKernels {
  private static final Logger LOG = LoggerFactory.getLogger(VectorKernels.class);
  private static final String PANAMA = "io.datawarehouse.intelligence.vector.internal.PanamaVectorKernel";
  private static final VectorKernel KERNEL = choose();

  private VectorKernels() {}

  /** The kernel of this JVM. */
  public static VectorKernel get() {
    return KERNEL;
  }

  /** The scalar kernel, whatever the JVM supports (for tests and benchmarks). */
  public static VectorKernel scalar() {
    return ScalarVectorKernel.INSTANCE;
  }

  private static VectorKernel choose() {
    String forced = System.getProperty("dw.intelligence.vector", "").trim().toLowerCase(Locale.ROOT);
    if (forced.equals("scalar")) {
      LOG.info("vector kernels: scalar (system property dw.intelligence.vector=scalar)");
      return ScalarVectorKernel.INSTANCE;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      LOG.info("vector kernels: scalar; start the JVM with --add-modules jdk.incubator.vector for the SIMD ones");
      return ScalarVectorKernel.INSTANCE;
    }
    try {
      VectorKernel k = (VectorKernel) Class.forName(PANAMA).getField("INSTANCE").get(null);
      LOG.info("vector kernels: {}", k.name());
      return k;
    } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
      LOG.warn("vector kernels: scalar; the Vector API kernel could not be loaded: {}", e.toString());
      return ScalarVectorKernel.INSTANCE;
    }
  }
}
