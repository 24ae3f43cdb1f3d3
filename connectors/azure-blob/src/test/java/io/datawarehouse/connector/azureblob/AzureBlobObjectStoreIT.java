package io.datawarehouse.connector.azureblob;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.storage.ObjectInfo;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreContractTest;
import io.datawarehouse.storage.ObjectStoreProvider;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.RetentionMode;
import io.datawarehouse.storage.TestData;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The azure-blob store against Azurite. Azurite does not implement blob immutability (it answers
 * 501), so WORM requests must fail with UNSUPPORTED carrying the service's words and leave nothing
 * behind; everything else is the full contract.
 */
class AzureBlobObjectStoreIT extends ObjectStoreContractTest {
  @BeforeAll
  static void azurite() throws Exception {
    Azurite.ensure();
  }

  @Override
  protected ObjectStore newStore() {
    // small blocks so that the contract's 1 MiB object is already staged in parallel blocks
    return ObjectStoreProvider.forType("azure-blob", getClass().getClassLoader()).open(Azurite.spec("az", "dw-contract",
        Map.of("singleUploadThreshold", "256KiB", "blockSize", "256KiB")));
  }

  @Override
  protected WormSupport wormSupport() {
    return WormSupport.UNSUPPORTED;
  }

  @Override
  protected java.util.Comparator<String> listingOrder() {
    return String::compareTo; // Azurite (JavaScript) sorts by UTF-16 code units
  }

  @Test
  void put_blocks_shaStoredAsMetadataAndVerified() {
    long size = 3L * 1024 * 1024 + 11;
    ObjectInfo info = store.put(p + "blocks", TestData.stream(3, size), -1, PutOptions.DEFAULT);
    assertThat(store.stat(p + "blocks").sha256()).isEqualTo(info.sha256()).isEqualTo(TestData.sha256(3, size));
  }

  @Test
  void worm_legalHoldOnExistingBlob_unsupportedWithServiceMessage() {
    putBytes(p + "h", new byte[] {1});
    DwException e = org.junit.jupiter.api.Assertions.assertThrows(DwException.class,
        () -> store.worm().setLegalHold(p + "h", true));
    assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
    assertThat(e.getMessage()).contains("501");
    assertCode(() -> store.worm().extendRetention(p + "h", RetentionMode.COMPLIANCE, Instant.now().plus(Duration.ofDays(1))),
        ErrorCode.UNSUPPORTED);
    assertThat(store.stat(p + "h").worm().locked(Instant.now())).isFalse();
  }

  @Test
  void put_wormOverExistingObject_keepsTheOldObject() {
    putBytes(p + "keep", new byte[] {1, 2});
    assertCode(() -> store.put(p + "keep", new ByteArrayInputStream(new byte[] {3}), 1,
        PutOptions.DEFAULT.withLegalHold(true)), ErrorCode.UNSUPPORTED);
    assertThat(getBytes(p + "keep")).containsExactly(1, 2);
  }

  @Test
  void probe_unreachable_down() {
    String cs = Azurite.CONNECTION_STRING.replace("127.0.0.1:10000", "127.0.0.1:1");
    try (ObjectStore s = ObjectStoreProvider.forType("azure-blob", getClass().getClassLoader())
        .open(Azurite.spec("gone", "dw-contract", Map.of("connectionString", cs, "createContainer", false, "requestTimeout", "3s")))) {
      assertThat(s.probe().status()).isEqualTo(Health.Status.DOWN);
    }
  }

  @Test
  void open_twoCredentials_invalidArgument() {
    assertCode(() -> ObjectStoreProvider.forType("azure-blob", getClass().getClassLoader())
        .open(Azurite.spec("bad", "c", Map.of("sasToken", "sv=x", "endpoint", "http://127.0.0.1:10000/devstoreaccount1"))),
        ErrorCode.INVALID_ARGUMENT);
  }
}
