package io.datawarehouse.raid.internal.gf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which kernel a fresh JVM picks, with and without the Vector API module. */
class GfKernelsSelectionTest {

  /** Prints the chosen kernel's name; run in a child JVM. */
  public static final class PrintKernel {
    public static void main(String[] args) {
      System.out.println("kernel=" + GfKernels.best().name());
    }
  }

  private static String run(String... jvmArgs) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(jvmArgs));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(PrintKernel.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void best_withoutTheVectorModule_fallsBackToScalar() throws Exception {
    assertThat(run()).contains("kernel=scalar");
  }

  @Test
  void best_withTheVectorModule_usesTheVectorKernel() throws Exception {
    assertThat(run("--add-modules", "jdk.incubator.vector")).contains("kernel=vector-");
  }

  @Test
  void best_forcedScalar_isScalarEvenWithTheModule() throws Exception {
    assertThat(run("--add-modules", "jdk.incubator.vector", "-D" + GfKernels.PROPERTY + "=scalar")).contains("kernel=scalar");
  }

  @Test
  void vectorLookupWidth_canBeForcedEitherWay() throws Exception {
    assertThat(run("--add-modules", "jdk.incubator.vector", "-Ddw.raid.vectorLookup=128")).containsPattern("kernel=vector-[0-9]+-lookup128");
    assertThat(run("--add-modules", "jdk.incubator.vector", "-Ddw.raid.vectorLookup=512")).containsPattern("kernel=vector-[0-9]+\\s");
  }

  @Test
  void selfCheck_passesTheScalarKernelAndEveryVectorVariant() {
    assertThat(GfKernels.disagreement(GfKernels.scalar())).isNull();
    for (GfKernel k : GfKernels.vectorVariants()) {
      assertThat(GfKernels.disagreement(k)).as(k.name()).isNull();
    }
  }

  @Test
  void selfCheck_catchesAKernelThatComputesWrongBytesOrThrows() {
    GfKernel scalar = GfKernels.scalar();
    GfKernel wrongTail = new MulAddOnly("wrong-tail", (m, in, inOff, out, outOff, len, accumulate) -> {
      scalar.mulAdd(m, in, inOff, out, outOff, len, accumulate);
      out[out.length - 1][outOff + len - 1] ^= 1; // the last byte of a tail, as a lookup that did not wrap would
    });
    GfKernel throwing = new MulAddOnly("throwing", (m, in, inOff, out, outOff, len, accumulate) -> {
      throw new IndexOutOfBoundsException("index 200 out of bounds for length 64");
    });

    assertThat(GfKernels.disagreement(wrongTail)).contains("different product");
    assertThat(GfKernels.disagreement(throwing)).contains("failed").contains("index 200");
  }

  /** The product step of a kernel under test. */
  @FunctionalInterface
  private interface MulAdd {
    void apply(GfMatrix m, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate);
  }

  /** A kernel whose product is {@code mulAdd}; XOR and P+Q are the scalar kernel's. */
  private record MulAddOnly(String name, MulAdd mulAdd) implements GfKernel {
    @Override
    public void mulAdd(GfMatrix m, byte[][] in, int inOff, byte[][] out, int outOff, int len, boolean accumulate) {
      mulAdd.apply(m, in, inOff, out, outOff, len, accumulate);
    }

    @Override
    public void xor(byte[][] in, int inOff, byte[] out, int outOff, int len, boolean accumulate) {
      GfKernels.scalar().xor(in, inOff, out, outOff, len, accumulate);
    }

    @Override
    public void pq(byte[][] in, int[] inOffs, byte[] p, byte[] q, int outOff, int len) {
      GfKernels.scalar().pq(in, inOffs, p, q, outOff, len);
    }
  }
}
