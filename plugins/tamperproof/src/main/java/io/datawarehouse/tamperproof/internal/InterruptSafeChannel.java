package io.datawarehouse.tamperproof.internal;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-write file channel that survives interrupts: an interrupted thread doing channel I/O makes
 * the JDK close the channel for every thread ({@link ClosedByInterruptException}), which must not
 * take the ledger down. {@link #io} reopens the channel and retries the operation (operations are
 * positional, so a retry rewrites the same bytes) with the interrupt status cleared, and restores
 * the status afterwards. Used by {@link AppendLog} and {@link Journal}.
 */
final class InterruptSafeChannel implements AutoCloseable {
  /** An operation on the channel. */
  @FunctionalInterface
  interface ChannelOp<T> {
    T run(FileChannel ch) throws IOException;
  }

  private final Path file;
  private final Object reopening = new Object();
  private volatile FileChannel channel;
  private volatile boolean closed;

  InterruptSafeChannel(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /** Runs {@code op} on the channel, reopening it (up to three times) when an interrupt closed it. */
  <T> T io(ChannelOp<T> op) throws IOException {
    boolean interrupted = false;
    try {
      for (int attempt = 0; ; attempt++) {
        FileChannel ch = channel;
        try {
          return op.run(ch);
        } catch (ClosedChannelException e) {
          if (closed || attempt == 3) {
            throw e;
          }
          interrupted |= Thread.interrupted();
          synchronized (reopening) {
            if (channel == ch && !closed) {
              channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    channel.close();
  }
}
