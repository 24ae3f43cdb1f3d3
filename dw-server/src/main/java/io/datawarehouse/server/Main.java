package io.datawarehouse.server;

import io.datawarehouse.server.cli.DwCommand;

/** The {@code dw} command's entry point. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // dw backup: the passphrase key derivation starts now, beside the command line set-up
    io.datawarehouse.server.cli.dataprotection.BackupCommand.startEarly(args);
    System.exit(DwCommand.run(args));
  }
}
