package io.datawarehouse.server;

import io.datawarehouse.server.cli.DwCommand;

/** The {@code dw} command's entry point. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(DwCommand.run(args));
  }
}
