package io.datawarehouse.sdk;

/**
 * A {@link DwException} whose request may succeed later unchanged: a backend was unreachable, a
 * deadline passed, nobody answered yet. Created by {@link DwException#of} for retriable codes.
 */
public class RetriableDwException extends DwException {
  private static final long serialVersionUID = 1L;

  protected RetriableDwException(ErrorCode code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
