package io.datawarehouse.deployment;

import java.util.List;

/** Public access to {@link TestService}'s helpers for tests in sub-packages. */
public final class TestServiceAccess {
  private TestServiceAccess() {}

  /** See {@link TestService#command}. */
  public static List<String> command(String... args) {
    return TestService.command(args);
  }

  /** See {@link TestService#freePorts}. */
  public static int freePorts(int n) {
    return TestService.freePorts(n);
  }
}
