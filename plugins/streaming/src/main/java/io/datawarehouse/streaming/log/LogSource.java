package io.datawarehouse.streaming.log;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.Source;
import io.datawarehouse.streaming.SourceCollector;
import java.time.Duration;
import java.util.List;

/** A {@link DurableLog} read as a pipeline source; see {@link DurableLog#source}. */
final class LogSource<T> implements Source<T> {
  private final DurableLog log;
  private final Codec<T> codec;
  private final boolean follow;
  private DurableLog.Cursor cursor;

  LogSource(DurableLog log, Codec<T> codec, boolean follow) {
    this.log = log;
    this.codec = codec;
    this.follow = follow;
    this.cursor = log.new Cursor(log.startOffset());
  }

  @Override
  public int poll(int max, Duration wait, SourceCollector<T> out) throws InterruptedException {
    List<DurableLog.Entry> entries = log.read(cursor, max);
    if (entries.isEmpty()) {
      if (!follow) {
        return END;
      }
      if (!log.awaitRecords(cursor.offset(), wait.toNanos())) {
        return 0;
      }
      entries = log.read(cursor, max);
    }
    for (DurableLog.Entry e : entries) {
      T value;
      try {
        value = codec.decode(e.payload());
      } catch (RuntimeException ex) {
        out.reject(e.payload(), "record at offset " + e.offset() + " of " + log.directory() + " does not decode: "
            + ex.getMessage());
        continue;
      }
      out.accept(value);
    }
    return entries.size();
  }

  @Override
  public long position() {
    return cursor.offset();
  }

  @Override
  public void seek(long position) {
    long start = log.startOffset();
    long end = log.nextOffset();
    if (position < start || position > end) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "cannot seek the log source to offset " + position + ": "
          + log.directory() + " holds " + start + ".." + end + " (were old segments deleted?)");
    }
    cursor = log.new Cursor(position);
  }
}
