package io.datawarehouse.connector.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.storage.ObjectContent;
import io.datawarehouse.storage.ObjectInfo;
import io.datawarehouse.storage.ObjectStore;
import io.datawarehouse.storage.ObjectStoreContractTest;
import io.datawarehouse.storage.ObjectStoreProvider;
import io.datawarehouse.storage.PutOptions;
import io.datawarehouse.storage.Retention;
import io.datawarehouse.storage.RetentionMode;
import io.datawarehouse.storage.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockLegalHoldStatus;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;

/**
 * The s3 store against S3Mock on a bucket with versioning and Object Lock: the contract with WORM
 * (S3Mock stores retention and holds but does not enforce them: this store refuses overwrite and
 * delete of a locked object itself), multi-part uploads, and what is sent for Object Lock.
 */
class S3ObjectStoreIT extends ObjectStoreContractTest {
  static final String BUCKET = "dw-contract-locked";
  static final String PLAIN = "dw-contract-plain";

  @BeforeAll
  static void mock() throws Exception {
    S3MockServer.ensure();
    S3MockServer.bucket(BUCKET, true);
    S3MockServer.bucket(PLAIN, false);
  }

  @Override
  protected ObjectStore newStore() {
    // small parts so that the contract's 1 MiB object already goes up in several parallel parts
    return ObjectStoreProvider.forType("s3", getClass().getClassLoader()).open(S3MockServer.spec("s3test", BUCKET,
        Map.of("multipartThreshold", "5MiB", "partSize", "5MiB")));
  }

  @Override
  protected long[] roundTripSizes() {
    return new long[] {0, 1, 65_537, 5L * 1024 * 1024 + 1, 17L * 1024 * 1024 + 3};
  }

  @Override
  protected WormSupport wormSupport() {
    return WormSupport.ENFORCED;
  }

  @Override
  protected java.util.Comparator<String> listingOrder() {
    return String::compareTo; // S3Mock sorts by UTF-16 code units; S3 itself by UTF-8 bytes
  }

  @Override
  protected boolean listingHidesDeletedKeys() {
    return false; // S3Mock 5.2 keeps listing a versioned key whose latest version is a delete marker
  }

  @Test
  void put_retentionAndHold_headersSentAndReadBackFromService() {
    Instant until = Instant.now().plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.SECONDS);
    store.put(p + "locked", new ByteArrayInputStream(new byte[] {1}), 1, PutOptions.DEFAULT
        .withRetention(new Retention(RetentionMode.COMPLIANCE, until)).withLegalHold(true));
    try (S3Client bare = S3MockServer.client()) {
      var r = bare.getObjectRetention(b -> b.bucket(BUCKET).key(p + "locked")).retention();
      assertThat(r.mode()).isEqualTo(ObjectLockRetentionMode.COMPLIANCE);
      assertThat(r.retainUntilDate()).isEqualTo(until);
      assertThat(bare.getObjectLegalHold(b -> b.bucket(BUCKET).key(p + "locked")).legalHold().status())
          .isEqualTo(ObjectLockLegalHoldStatus.ON);
    }
  }

  @Test
  void shortenGovernanceRetention_setsTheEarlierDateWithTheBypass_neverForCompliance() {
    Instant until = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);
    Instant shorter = until.minus(Duration.ofDays(20));
    store.put(p + "gov", new ByteArrayInputStream(new byte[] {1}), 1, PutOptions.DEFAULT
        .withRetention(new Retention(RetentionMode.GOVERNANCE, until)));
    store.put(p + "comp", new ByteArrayInputStream(new byte[] {1}), 1, PutOptions.DEFAULT
        .withRetention(new Retention(RetentionMode.COMPLIANCE, until)));
    var state = store.worm().shortenGovernanceRetention(p + "gov", new Retention(RetentionMode.GOVERNANCE, shorter));
    assertThat(state.retention().retainUntil()).isEqualTo(shorter);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.worm().shortenGovernanceRetention(p + "comp",
        new Retention(RetentionMode.GOVERNANCE, shorter))).isInstanceOfSatisfying(io.datawarehouse.sdk.DwException.class,
        e -> assertThat(e.code()).isEqualTo(io.datawarehouse.sdk.ErrorCode.RETENTION_LOCKED));
    try (S3Client bare = S3MockServer.client()) {
      var g = bare.getObjectRetention(b -> b.bucket(BUCKET).key(p + "gov")).retention();
      assertThat(g.mode()).isEqualTo(ObjectLockRetentionMode.GOVERNANCE);
      assertThat(g.retainUntilDate()).isEqualTo(shorter);
      assertThat(bare.getObjectRetention(b -> b.bucket(BUCKET).key(p + "comp")).retention().retainUntilDate()).isEqualTo(until);
    }
  }

  @Test
  void put_multipart_shaStoredAsTagAndVerifiedOnRead() {
    long size = 11L * 1024 * 1024 + 5;
    ObjectInfo info = store.put(p + "mp", TestData.stream(5, size), -1, PutOptions.DEFAULT);
    try (S3Client bare = S3MockServer.client()) {
      assertThat(bare.getObjectTagging(b -> b.bucket(BUCKET).key(p + "mp")).tagSet())
          .anySatisfy(t -> assertThat(t.value()).isEqualTo(info.sha256()));
    }
    assertThat(store.stat(p + "mp").sha256()).isEqualTo(TestData.sha256(5, size));
  }

  @Test
  void put_failingStream_abortsMultipartAndStoresNothing() {
    InputStream failing = new InputStream() {
      long n;

      @Override
      public int read() throws IOException {
        if (++n > 12L * 1024 * 1024) {
          throw new IOException("disk read error");
        }
        return 7;
      }
    };
    assertCode(() -> store.put(p + "broken", failing, -1, PutOptions.DEFAULT), ErrorCode.UNAVAILABLE);
    assertCode(() -> store.stat(p + "broken"), ErrorCode.NOT_FOUND);
    try (S3Client bare = S3MockServer.client()) {
      assertThat(bare.listMultipartUploads(b -> b.bucket(BUCKET).prefix(p)).uploads()).isEmpty();
    }
  }

  @Test
  void get_corruptedShaMetadata_fullReadFailsIntegrity() {
    byte[] data = TestData.bytes(9, 1000);
    try (S3Client bare = S3MockServer.client()) {
      bare.putObject(b -> b.bucket(BUCKET).key(p + "bad").metadata(Map.of(S3ObjectStore.SHA_META, "0".repeat(64))),
          software.amazon.awssdk.core.sync.RequestBody.fromBytes(data));
    }
    assertCode(() -> {
      try (ObjectContent c = store.get(p + "bad", null)) {
        c.readAllBytes();
      }
    }, ErrorCode.INTEGRITY);
  }

  @Test
  void worm_bucketWithoutVersioning_failedPreconditionSaysWhy() {
    try (ObjectStore plain = ObjectStoreProvider.forType("s3", getClass().getClassLoader())
        .open(S3MockServer.spec("plain", PLAIN, Map.of()))) {
      putBytesTo(plain);
      assertCode(() -> plain.worm(), ErrorCode.FAILED_PRECONDITION);
      assertCode(() -> ObjectStoreProvider.forType("s3", getClass().getClassLoader())
          .open(S3MockServer.spec("plain", PLAIN, Map.of("objectLock", "required"))), ErrorCode.FAILED_PRECONDITION);
    }
    try (ObjectStore off = ObjectStoreProvider.forType("s3", getClass().getClassLoader())
        .open(S3MockServer.spec("off", PLAIN, Map.of("objectLock", "off")))) {
      assertCode(() -> off.worm(), ErrorCode.UNSUPPORTED);
    }
  }

  private void putBytesTo(ObjectStore s) {
    s.put(p + "plain", new ByteArrayInputStream(new byte[] {1}), 1, PutOptions.DEFAULT);
    assertThat(s.stat(p + "plain").size()).isEqualTo(1);
  }

  @Test
  void probe_unreachableEndpoint_down() {
    try (ObjectStore s = ObjectStoreProvider.forType("s3", getClass().getClassLoader())
        .open(S3MockServer.spec("gone", BUCKET, Map.of("endpoint", "http://127.0.0.1:1", "requestTimeout", "2s")))) {
      assertThat(s.probe().status()).isEqualTo(io.datawarehouse.sdk.Health.Status.DOWN);
      assertCode(() -> s.stat("k"), ErrorCode.UNAVAILABLE);
    }
  }
}
