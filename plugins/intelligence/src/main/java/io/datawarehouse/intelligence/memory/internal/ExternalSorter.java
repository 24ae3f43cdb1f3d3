package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.sdk.DwException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * Sorts a stream of records of any length in bounded memory: records are buffered up to {@code
 * maxBufferBytes}, each full buffer is sorted and spilled to a run file ({@link RecordCodec}
 * frames, checksummed), and the runs are merged with a heap. Memory use is the buffer plus one
 * record and a 64 KiB read buffer per run.
 *
 * <p>Not thread-safe; one sort per instance. {@link #close} deletes the run files.
 */
public final class ExternalSorter implements AutoCloseable {
  private final Comparator<MemoryRecord> order;
  private final Path tmpDir;
  private final long maxBufferBytes;
  private final List<MemoryRecord> buffer = new ArrayList<>();
  private final List<Path> runs = new ArrayList<>();
  private final List<DataInputStream> open = new ArrayList<>();
  private long buffered;

  public ExternalSorter(Comparator<MemoryRecord> order, Path tmpDir, long maxBufferBytes) {
    this.order = order;
    this.tmpDir = tmpDir;
    this.maxBufferBytes = maxBufferBytes;
  }

  public void add(MemoryRecord r) {
    buffer.add(r);
    buffered += r.sizeBytes() + 64;
    if (buffered >= maxBufferBytes) {
      spill();
    }
  }

  /** How many run files were written. */
  public int runs() {
    return runs.size();
  }

  private void spill() {
    buffer.sort(order);
    try {
      Files.createDirectories(tmpDir);
      Path run = Files.createTempFile(tmpDir, "sort-run-", ".tmp");
      runs.add(run);
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(run), 1 << 16))) {
        for (MemoryRecord r : buffer) {
          byte[] b = RecordCodec.encode(r);
          out.writeInt(b.length);
          out.write(b);
        }
      }
    } catch (IOException e) {
      throw DwException.unavailable("cannot write a sort run under " + tmpDir + ": " + e.getMessage(), e);
    }
    buffer.clear();
    buffered = 0;
  }

  /** The records in order. Call once, after the last {@link #add}. */
  public Iterator<MemoryRecord> sorted() {
    if (runs.isEmpty()) {
      buffer.sort(order);
      return buffer.iterator();
    }
    if (!buffer.isEmpty()) {
      spill();
    }
    record Head(MemoryRecord r, int run) {}
    PriorityQueue<Head> heap = new PriorityQueue<>((a, b) -> order.compare(a.r, b.r));
    try {
      for (int i = 0; i < runs.size(); i++) {
        DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(runs.get(i)), 1 << 16));
        open.add(in);
        MemoryRecord r = next(i);
        if (r != null) {
          heap.add(new Head(r, i));
        }
      }
    } catch (IOException e) {
      throw DwException.unavailable("cannot read a sort run under " + tmpDir + ": " + e.getMessage(), e);
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return !heap.isEmpty();
      }

      @Override
      public MemoryRecord next() {
        Head h = heap.poll();
        if (h == null) {
          throw new NoSuchElementException();
        }
        MemoryRecord n = ExternalSorter.this.next(h.run);
        if (n != null) {
          heap.add(new Head(n, h.run));
        }
        return h.r;
      }
    };
  }

  private MemoryRecord next(int run) {
    DataInputStream in = open.get(run);
    try {
      int len;
      try {
        len = in.readInt();
      } catch (EOFException e) {
        return null;
      }
      byte[] b = in.readNBytes(len);
      if (b.length != len) {
        throw DwException.integrity(runs.get(run) + ": sort run truncated");
      }
      return RecordCodec.decode(b, null, runs.get(run).toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    for (DataInputStream in : open) {
      try {
        in.close();
      } catch (IOException ignored) {
        // deleting the file below is what matters
      }
    }
    for (Path p : runs) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // left in the tmp directory, which is emptied when the backend opens
      }
    }
    buffer.clear();
  }
}
