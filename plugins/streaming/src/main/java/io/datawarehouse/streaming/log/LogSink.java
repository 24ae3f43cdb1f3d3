package io.datawarehouse.streaming.log;

import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.Sink;

/** A {@link DurableLog} written as an exactly-once pipeline sink; see {@link DurableLog#sink}. */
final class LogSink<T> implements Sink<T> {
  private final DurableLog log;
  private final Codec<T> codec;

  LogSink(DurableLog log, Codec<T> codec) {
    this.log = log;
    this.codec = codec;
  }

  @Override
  public void write(T value, long timestamp) {
    log.append(codec.encode(value), timestamp);
  }

  @Override
  public void flush() {
    log.sync();
  }

  @Override
  public long position() {
    return log.nextOffset();
  }

  @Override
  public void rewind(long position) {
    log.truncate(position);
  }
}
