package io.datawarehouse.storage;

import io.datawarehouse.sdk.DwException;

/**
 * A range of bytes of an object: {@code length} bytes from {@code offset}, or to the end when
 * {@code length} is {@link #TO_END}. A range that runs past the end is cut at the end; one that
 * starts at or past the end of a non-empty object is INVALID_ARGUMENT (as HTTP 416).
 *
 * @param offset first byte, >= 0
 * @param length number of bytes (>= 1), or {@link #TO_END}
 */
public record ByteRange(long offset, long length) {
  /** Length meaning "to the end of the object". */
  public static final long TO_END = -1;

  public ByteRange {
    if (offset < 0) {
      throw DwException.invalidArgument("range offset must be >= 0, was " + offset);
    }
    if (length != TO_END && length < 1) {
      throw DwException.invalidArgument("range length must be >= 1 (or to the end), was " + length);
    }
  }

  /** Bytes from {@code offset} to the end. */
  public static ByteRange from(long offset) {
    return new ByteRange(offset, TO_END);
  }

  /** {@code length} bytes from {@code offset}. */
  public static ByteRange of(long offset, long length) {
    return new ByteRange(offset, length);
  }

  /**
   * The number of bytes this range selects in an object of {@code size} bytes.
   *
   * @throws DwException INVALID_ARGUMENT when the range starts at or past the end
   */
  public long resolveLength(String key, long size) {
    if (offset >= size && !(offset == 0 && size == 0)) {
      throw DwException.invalidArgument("range starts at byte " + offset + " but object '" + key
          + "' has " + size + " bytes");
    }
    long rest = size - offset;
    return length == TO_END ? rest : Math.min(length, rest);
  }

  /** The HTTP Range header value for this range. */
  public String httpHeader() {
    return "bytes=" + offset + "-" + (length == TO_END ? "" : Long.toString(offset + length - 1));
  }
}
