package io.datawarehouse.sdk;

import java.util.Objects;

/**
 * The one root exception of DataWarehouse: a stable {@link ErrorCode} and a message a person can
 * act on (what was expected, what was found, what to do).
 *
 * <p>Retriable failures are instances of {@link RetriableDwException}, so callers can branch by
 * type; use the factory methods, which pick the right class from the code.
 *
 * <p>Messages must never contain keys, passphrases or credentials.
 */
public class DwException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  /** Prefer {@link #of(ErrorCode, String)}, which returns a retriable subclass where it applies. */
  protected DwException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** An exception for {@code code}; retriable codes give a {@link RetriableDwException}. */
  public static DwException of(ErrorCode code, String message) {
    return of(code, message, null);
  }

  /** An exception for {@code code} with a cause; retriable codes give a {@link RetriableDwException}. */
  public static DwException of(ErrorCode code, String message, Throwable cause) {
    return code.retriable()
        ? new RetriableDwException(code, message, cause)
        : new DwException(code, message, cause);
  }

  public static DwException invalidArgument(String message) {
    return of(ErrorCode.INVALID_ARGUMENT, message);
  }

  public static DwException notFound(String message) {
    return of(ErrorCode.NOT_FOUND, message);
  }

  public static DwException integrity(String message) {
    return of(ErrorCode.INTEGRITY, message);
  }

  public static DwException integrity(String message, Throwable cause) {
    return of(ErrorCode.INTEGRITY, message, cause);
  }

  public static DwException unavailable(String message, Throwable cause) {
    return of(ErrorCode.UNAVAILABLE, message, cause);
  }

  public static DwException unsupported(String message) {
    return of(ErrorCode.UNSUPPORTED, message);
  }

  public static DwException internal(String message, Throwable cause) {
    return of(ErrorCode.INTERNAL, message, cause);
  }

  /**
   * {@code t} as a DwException: itself when it is one, otherwise wrapped with code INTERNAL (or
   * CANCELLED for an interruption, TIMEOUT for a timeout) and {@code context} as the message.
   */
  public static DwException wrap(Throwable t, String context) {
    if (t instanceof DwException dw) {
      return dw;
    }
    if (t instanceof java.util.concurrent.CompletionException
        || t instanceof java.util.concurrent.ExecutionException) {
      if (t.getCause() != null) {
        return wrap(t.getCause(), context);
      }
    }
    if (t instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return of(ErrorCode.CANCELLED, context + ": interrupted", t);
    }
    if (t instanceof java.util.concurrent.TimeoutException) {
      return of(ErrorCode.TIMEOUT, context + ": timed out", t);
    }
    String detail = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return of(ErrorCode.INTERNAL, context + ": " + detail, t);
  }

  public ErrorCode code() {
    return code;
  }

  /** Whether the same request may succeed later unchanged. */
  public boolean isRetriable() {
    return code.retriable();
  }

  @Override
  public String toString() {
    return code.wire() + ": " + getMessage();
  }
}
