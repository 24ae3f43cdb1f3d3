package io.datawarehouse.raid.internal.disk;

import java.io.IOException;

/** A block needs remapping but the disk has no spare block left: the disk must be failed. */
public final class SpareExhaustedException extends IOException {
  private static final long serialVersionUID = 1L;

  public SpareExhaustedException(String message, Throwable cause) {
    super(message, cause);
  }
}
