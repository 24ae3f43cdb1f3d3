package io.datawarehouse.storage.local;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.TestData;
import java.nio.file.Path;

/**
 * The victim of {@link LocalStoreKillIT}: writes objects forever, printing "ACK key seed size" to
 * stdout after each put has returned (so it is acknowledged and durable), until it is killed.
 */
public final class KillWriter {
  private KillWriter() {}

  public static void main(String[] args) {
    LocalObjectStore store = LocalObjectStore.open("kill", Path.of(args[0]), Time.SYSTEM);
    for (int i = 0; ; i++) {
      long size = 1_000_000L + (i % 7) * 333_333L;
      String key = (i % 3 == 0) ? "same/overwritten" : "obj/" + i;
      store.put(key, TestData.stream(i, size), -1, PutOptions.DEFAULT);
      System.out.println("ACK " + key + " " + i + " " + size);
      System.out.flush();
    }
  }
}
