package io.datawarehouse.storage.local;

import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreProvider;
import io.datawarehouse.storage.StoreSpec;

/** Provider of the {@code local} store: objects under the store's data directory. */
public final class LocalStoreProvider implements ObjectStoreProvider {
  @Override
  public String type() {
    return "local";
  }

  @Override
  public ObjectStore open(StoreSpec spec) {
    return LocalObjectStore.open(spec.name(), spec.dataDir(), spec.time());
  }
}
