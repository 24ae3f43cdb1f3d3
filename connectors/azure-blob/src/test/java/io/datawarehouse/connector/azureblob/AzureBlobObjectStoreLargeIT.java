package io.datawarehouse.connector.azureblob;

import io.datawarehouse.storage.LargeObjectContractTest;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreProvider;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

class AzureBlobObjectStoreLargeIT extends LargeObjectContractTest {
  @BeforeAll
  static void azurite() throws Exception {
    Azurite.ensure();
  }

  @Override
  protected ObjectStore newStore() {
    return ObjectStoreProvider.forType("azure-blob", getClass().getClassLoader()).open(Azurite.spec("large", "dw-large", Map.of()));
  }
}
