package io.datawarehouse.deployment;

import io.datawarehouse.kernel.Kernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code dw serve} stand-in run as a separate JVM by {@link CrashRecoveryIT}: a kernel with the
 * deployment plugin over {@code DATA_DIR}, which applies each spec file in turn (waiting for each
 * but the last to succeed) and then runs until killed. Args: {@code CONFIG DATA_DIR SPEC...}.
 */
public final class DeployHost {
  private DeployHost() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    Kernel k = Kernel.builder().configFile(Path.of(args[0])).dataDir(Path.of(args[1]))
        .plugins(List.of(new DeploymentPlugin())).build();
    k.start();
    Orchestrator o = ((DeploymentPlugin) k.plugin("deployment")).orchestrator();
    for (int i = 2; i < args.length; i++) {
      RolloutStatus r = o.apply(DeploymentSpec.parse(Files.readString(Path.of(args[i])), args[i]));
      System.out.println("ROLLOUT " + r.id());
      if (i < args.length - 1) {
        while (!o.status(r.id()).phase().terminal()) {
          Thread.sleep(50);
        }
        System.out.println("DONE " + r.id() + " " + o.status(r.id()).phase());
      }
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
