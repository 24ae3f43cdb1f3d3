package io.datawarehouse.intelligence.memory.internal;

import io.datawarehouse.intelligence.memory.MemoryRecord;
import io.datawarehouse.sdk.Time;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The victim of {@link RocksDbBackendCrashTest}: writes batch after batch into a RocksDB memory
 * store and prints "ACK n" after batch n returned, until it is killed.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    int size = Integer.parseInt(args[1]);
    int first = Integer.parseInt(args[2]);
    RocksDbBackend b = RocksDbBackend.open(dir, RocksDbBackend.Options.defaults(), Time.SYSTEM);
    String filler = "x".repeat(2048);
    for (int k = first; ; k++) {
      List<MemoryRecord> batch = new ArrayList<>(size + 1);
      for (int i = 0; i < size; i++) {
        batch.add(MemoryRecord.builder("b" + k + "-" + i).content(k + ":" + i + filler).tags("batch-" + k).scope("crash").build());
      }
      // a record every batch rewrites: after the crash it must hold the last batch that is present
      batch.add(MemoryRecord.builder("latest").content(Integer.toString(k)).tags("batch-" + k).build());
      b.storeAll(batch);
      System.out.println("ACK " + k);
      System.out.flush();
    }
  }
}
