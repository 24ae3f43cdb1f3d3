package io.datawarehouse.connector.s3;

import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreContractTest;
import io.datawarehouse.storage.ObjectStoreProvider;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/** The contract on a bucket without versioning, WORM turned off: WORM requests are UNSUPPORTED. */
class S3PlainBucketIT extends ObjectStoreContractTest {
  @BeforeAll
  static void mock() throws Exception {
    S3MockServer.ensure();
    S3MockServer.bucket(S3ObjectStoreIT.PLAIN, false);
  }

  @Override
  protected ObjectStore newStore() {
    return ObjectStoreProvider.forType("s3", getClass().getClassLoader()).open(S3MockServer.spec("s3plain",
        S3ObjectStoreIT.PLAIN, Map.of("objectLock", "off")));
  }

  @Override
  protected WormSupport wormSupport() {
    return WormSupport.UNSUPPORTED;
  }

  @Override
  protected java.util.Comparator<String> listingOrder() {
    return String::compareTo; // S3Mock sorts by UTF-16 code units; S3 itself by UTF-8 bytes
  }
}
