package io.datawarehouse.sdk.bus;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.config.Sizes;

/**
 * The errors every {@link MessageBus} implementation reports the same way, so that users see the
 * same message whichever bus runs.
 */
public final class BusErrors {
  private BusErrors() {}

  /** INVALID_ARGUMENT unless {@code m}'s payload fits in {@code limit} bytes. */
  public static void checkPayload(Message m, long limit) {
    if (m.size() > limit) {
      throw DwException.invalidArgument("payload of " + Sizes.format(m.size()) + " on '" + m.topic()
          + "' exceeds the bus limit of " + Sizes.format(limit)
          + "; move large data by reference (a storage key or path) or in numbered chunks");
    }
  }

  /** UNAVAILABLE: the bus was closed. */
  public static DwException closed() {
    return DwException.of(ErrorCode.UNAVAILABLE, "the message bus is closed");
  }

  /** The error a requester receives when a handler threw {@code t}: itself when it is a DwException, else INTERNAL. */
  public static DwException handlerFailure(String subscriber, Message message, Throwable t) {
    if (t instanceof DwException dw) {
      return dw;
    }
    return DwException.of(ErrorCode.INTERNAL, "handler of '" + subscriber + "' failed on '" + message.topic() + "': "
        + t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()), t);
  }
}
