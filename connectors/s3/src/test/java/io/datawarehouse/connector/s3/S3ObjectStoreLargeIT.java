package io.datawarehouse.connector.s3;

import io.datawarehouse.storage.LargeObjectContractTest;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreProvider;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

class S3ObjectStoreLargeIT extends LargeObjectContractTest {
  @BeforeAll
  static void mock() throws Exception {
    S3MockServer.ensure();
    S3MockServer.bucket(S3ObjectStoreIT.PLAIN, false);
  }

  @Override
  protected ObjectStore newStore() {
    return ObjectStoreProvider.forType("s3", getClass().getClassLoader())
        .open(S3MockServer.spec("large", S3ObjectStoreIT.PLAIN, Map.of("objectLock", "off")));
  }
}
