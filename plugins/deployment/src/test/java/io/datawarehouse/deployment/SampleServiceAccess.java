package io.datawarehouse.deployment;

import java.util.List;

/** Public access to {@link SampleService}'s helpers for tests in sub-packages. */
public final class SampleServiceAccess {
  private SampleServiceAccess() {}

  /** See {@link SampleService#command}. */
  public static List<String> command(String... args) {
    return SampleService.command(args);
  }

  /** See {@link SampleService#freePorts}. */
  public static int freePorts(int n) {
    return SampleService.freePorts(n);
  }
}
