package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.MemoryQuery;
import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.intelligence.memory.MemoryTier;
import io.datawarehouse.testkit.ManualTime;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Runs the queries of {@link RocksDbStreamingQueryIT} in a small heap and prints what it counted. */
public final class StreamingQueryRunner {
  private StreamingQueryRunner() {}

  public static void main(String[] args) {
    try (RocksDbBackend b = RocksDbBackend.open(Path.of(args[0]), new RocksDbBackend.Options(false, 8L << 20, 4L << 20), new ManualTime())) {
      long n = 0;
      boolean ordered = true;
      String last = "";
      try (Stream<MemoryRecord> s = b.query(MemoryQuery.all())) {
        for (MemoryRecord r : (Iterable<MemoryRecord>) s::iterator) {
          ordered &= r.id().compareTo(last) > 0;
          last = r.id();
          n++;
        }
      }
      System.out.println("all " + n + (ordered ? " ordered" : " UNORDERED"));
      try (Stream<MemoryRecord> s = b.query(MemoryQuery.builder().scope("agent-3").tier(MemoryTier.LONG_TERM, MemoryTier.ARCHIVE).build())) {
        System.out.println("scope+tier " + s.count());
      }
      n = 0;
      ordered = true;
      double prev = 2;
      try (Stream<MemoryRecord> s = b.query(MemoryQuery.builder().sort(MemoryQuery.SortField.IMPORTANCE, MemoryQuery.Direction.DESC).build())) {
        for (MemoryRecord r : (Iterable<MemoryRecord>) s::iterator) {
          ordered &= r.importance() <= prev;
          prev = r.importance();
          n++;
        }
      }
      System.out.println("sorted " + n + (ordered ? " ordered" : " UNORDERED"));
    }
  }
}
