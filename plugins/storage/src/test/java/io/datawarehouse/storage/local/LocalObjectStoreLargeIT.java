package io.datawarehouse.storage.local;

import io.datawarehouse.sdk.Time;
import io.datawarehouse.storage.LargeObjectContractTest;
import io.datawarehouse.storage.ObjectStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreLargeIT extends LargeObjectContractTest {
  @TempDir
  Path dir;

  @Override
  protected ObjectStore newStore() {
    return LocalObjectStore.open("large", dir, Time.SYSTEM);
  }
}
