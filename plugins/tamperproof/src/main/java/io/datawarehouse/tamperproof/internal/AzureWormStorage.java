package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.bus.MessageBus;
import java.time.Duration;

/**
 * Remote WORM copies in Azure Blob Storage with version-level immutability, written by the storage
 * plugin: COMPLIANCE is a locked time-based immutability policy, GOVERNANCE an unlocked one (its
 * retention can be shortened by a principal allowed to), retain-until the policy's expiry, and the
 * legal hold the blob's legal hold. Blob names are at most 1024 characters in at most 254 path
 * segments and must not end with a dot or a slash.
 */
public final class AzureWormStorage extends DelegatedWormStorage {
  public AzureWormStorage(MessageBus bus, String store, Duration timeout, RecordFiles files) {
    super(bus, store, timeout, files);
  }

  @Override
  protected void checkKey(String key) {
    if (key.length() > 1024 || key.split("/", -1).length > 254 || key.endsWith(".") || key.endsWith("/")) {
      throw DwException.invalidArgument("not a valid Azure blob name (at most 1024 characters, 254 segments, "
          + "not ending in '.' or '/'): " + key);
    }
  }

  @Override
  public String provider() {
    return "azure";
  }
}
