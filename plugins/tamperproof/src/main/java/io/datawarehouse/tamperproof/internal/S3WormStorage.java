package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.bus.MessageBus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Remote WORM copies in S3 with Object Lock, written by the storage plugin: our COMPLIANCE and
 * GOVERNANCE are S3's modes of the same names, retain-until is the object's retain-until date,
 * the legal hold its legal-hold status. S3 object keys are at most 1024 bytes of UTF-8.
 */
public final class S3WormStorage extends DelegatedWormStorage {
  public S3WormStorage(MessageBus bus, String store, Duration timeout, RecordFiles files) {
    super(bus, store, timeout, files);
  }

  @Override
  protected void checkKey(String key) {
    if (key.getBytes(StandardCharsets.UTF_8).length > 1024) {
      throw DwException.invalidArgument("S3 object keys are at most 1024 bytes: " + key);
    }
  }

  @Override
  public String provider() {
    return "s3";
  }
}
