package io.datawarehouse.streaming;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.time.Duration;
import java.util.List;

/** Built-in sources. The durable log's is {@link io.datawarehouse.streaming.log.DurableLog#source}. */
public final class Sources {
  private Sources() {}

  /**
   * The records of {@code records} in order, then the end. Seekable: its position is the index of
   * the next record, so a restored pipeline replays from its checkpoint.
   */
  public static <T> Source<T> of(List<? extends T> records) {
    List<? extends T> copy = List.copyOf(records);
    return new Source<>() {
      private int next;

      @Override
      public int poll(int max, Duration wait, SourceCollector<T> out) {
        if (next >= copy.size()) {
          return END;
        }
        int n = Math.min(max, copy.size() - next);
        for (int i = 0; i < n; i++) {
          out.accept(copy.get(next++));
        }
        return n;
      }

      @Override
      public long position() {
        return next;
      }

      @Override
      public void seek(long position) {
        if (position < 0 || position > copy.size()) {
          throw DwException.of(ErrorCode.FAILED_PRECONDITION, "cannot seek to position " + position
              + ": the list has " + copy.size() + " records");
        }
        next = (int) position;
      }
    };
  }

  /**
   * A bounded queue that producers on other threads {@linkplain QueueSource#put put} records into;
   * a full queue makes them wait (backpressure).
   *
   * @param capacity how many records may wait
   */
  public static <T> QueueSource<T> queue(int capacity) {
    return new QueueSource<>(capacity);
  }
}
