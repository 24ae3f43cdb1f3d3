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
}
