package io.datawarehouse.raid.internal.disk;

import java.io.IOException;

/** A block read back whole but its CRC32C matches neither recorded value: silent corruption. */
public final class ChecksumMismatchException extends IOException {
  private static final long serialVersionUID = 1L;

  public ChecksumMismatchException(String message) {
    super(message);
  }
}
