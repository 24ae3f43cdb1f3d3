package io.datawarehouse.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every {@link ObjectStore} passes. A store's test extends this class and supplies
 * the store; every test works under its own random key prefix, so stores backed by a shared
 * bucket or container need no cleanup between tests.
 *
 * <p>WORM: {@link #wormSupport()} says whether the store enforces retention and holds or refuses
 * them with UNSUPPORTED; tests of expiry run only where {@link #advanceTime(Duration)} can move the
 * store's clock.
 */
public abstract class ObjectStoreContractTest {
  /** What a store does with WORM requests. */
  protected enum WormSupport {
    /** Records retention and holds and refuses overwrite and delete while they bind. */
    ENFORCED,
    /** Refuses WORM requests with UNSUPPORTED. */
    UNSUPPORTED
  }

  private static final long SEED = Long.getLong("dw.test.seed", System.nanoTime());

  protected ObjectStore store;
  protected String p;

  /** A new store (or a new handle on the shared one) for one test. */
  protected abstract ObjectStore newStore() throws Exception;

  protected abstract WormSupport wormSupport();

  /** The store's notion of now, for retention dates. */
  protected Instant now() {
    return Instant.now();
  }

  /** Moves the store's clock forward; false where the store's clock cannot be moved. */
  protected boolean advanceTime(Duration d) {
    return false;
  }

  /**
   * The order of listings: UTF-8 byte order (S3's and every store's here). A test double that
   * orders otherwise (S3Mock sorts by UTF-16 code units) says so by overriding this.
   */
  protected java.util.Comparator<String> listingOrder() {
    return ObjectKeys.ORDER;
  }

  /** Whether a deleted key disappears from listings (S3Mock keeps listing versioned keys under a delete marker). */
  protected boolean listingHidesDeletedKeys() {
    return true;
  }

  /** Sizes for the round-trip test; a store adds one above its multi-part threshold. */
  protected long[] roundTripSizes() {
    return new long[] {0, 1, 4095, 65_537, 1_048_576 + 17};
  }

  @BeforeEach
  void openStore(TestInfo info) throws Exception {
    store = newStore();
    p = "t-" + Long.toHexString(new SplittableRandom().nextLong() >>> 8) + "/";
    System.out.println(info.getDisplayName() + ": seed " + SEED + " (rerun with -Ddw.test.seed=" + SEED + "), prefix " + p);
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  protected ObjectInfo putBytes(String key, byte[] data) {
    return store.put(key, new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT);
  }

  protected byte[] getBytes(String key) {
    try (ObjectContent c = store.get(key, null)) {
      return c.readAllBytes();
    }
  }

  private static String sha(byte[] data) {
    return PutOptions.hex(HashingInputStream.sha256().digest(data));
  }

  protected static void assertCode(Runnable r, ErrorCode code) {
    assertThatThrownBy(r::run).isInstanceOf(DwException.class)
        .satisfies(e -> assertThat(((DwException) e).code()).as(e.getMessage()).isEqualTo(code));
  }

  // ---------------------------------------------------------------- round trips

  @Test
  void put_variousSizes_roundTripsWithSha256() {
    long[] sizes = roundTripSizes();
    for (int i = 0; i < sizes.length; i++) {
      long size = sizes[i];
      String key = p + "size-" + size;
      ObjectInfo info = store.put(key, TestData.stream(SEED + i, size), i % 2 == 0 ? size : -1, PutOptions.DEFAULT);
      String expected = TestData.sha256(SEED + i, size);
      assertThat(info.size()).isEqualTo(size);
      assertThat(info.sha256()).isEqualTo(expected);
      try (ObjectContent c = store.get(key, null)) {
        assertThat(c.length()).isEqualTo(size);
        assertThat(TestData.sha256(c.stream())).as("content of %d bytes", size).isEqualTo(expected);
      }
      assertThat(store.stat(key).size()).isEqualTo(size);
    }
  }

  @Test
  void put_contentTypeAndMetadata_returnedByStatGetAndList() {
    PutOptions o = PutOptions.DEFAULT.withContentType("text/plain").withMetadata(Map.of("owner", "ops", "case_no", "42"));
    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    store.put(p + "m", new ByteArrayInputStream(data), data.length, o);
    ObjectInfo s = store.stat(p + "m");
    assertThat(s.contentType()).startsWith("text/plain");
    assertThat(s.metadata()).isEqualTo(Map.of("owner", "ops", "case_no", "42"));
    assertThat(s.sha256()).isEqualTo(sha(data));
    assertThat(s.lastModified()).isNotNull();
    try (ObjectContent c = store.get(p + "m", null)) {
      assertThat(c.info().metadata()).containsEntry("owner", "ops");
    }
    assertThat(store.list(ListRequest.prefix(p)).objects()).singleElement()
        .satisfies(i -> assertThat(i.size()).isEqualTo(5));
  }

  @Test
  void put_existingKey_replacesContent() {
    putBytes(p + "k", new byte[] {1, 2, 3});
    putBytes(p + "k", new byte[] {4, 5});
    assertThat(getBytes(p + "k")).containsExactly(4, 5);
    assertThat(store.stat(p + "k").size()).isEqualTo(2);
  }

  @Test
  void put_expectedShaMismatch_integrityAndNothingStored() {
    byte[] data = TestData.bytes(SEED, 1000);
    PutOptions o = PutOptions.DEFAULT.withExpectedSha256(sha(new byte[] {9}));
    assertCode(() -> store.put(p + "x", new ByteArrayInputStream(data), data.length, o), ErrorCode.INTEGRITY);
    assertCode(() -> store.stat(p + "x"), ErrorCode.NOT_FOUND);
    ObjectInfo ok = store.put(p + "x", new ByteArrayInputStream(data), data.length, PutOptions.DEFAULT.withExpectedSha256(sha(data)));
    assertThat(ok.sha256()).isEqualTo(sha(data));
  }

  @Test
  void put_unicodeKey_roundTrips() {
    String key = p + "dossier/été 2026/日本語-😀.txt";
    putBytes(key, new byte[] {7});
    assertThat(getBytes(key)).containsExactly(7);
    assertThat(store.list(ListRequest.prefix(p)).objects()).extracting(ObjectInfo::key).containsExactly(key);
  }

  @Test
  void put_concurrentDifferentKeys_allStored() throws Exception {
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<ObjectInfo>> fs = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        int n = i;
        fs.add(ex.submit(() -> putBytes(p + "c/" + n, TestData.bytes(SEED + n, 10_000 + n))));
      }
      for (Future<ObjectInfo> f : fs) {
        f.get();
      }
    }
    for (int i = 0; i < 16; i++) {
      assertThat(getBytes(p + "c/" + i)).isEqualTo(TestData.bytes(SEED + i, 10_000 + i));
    }
  }

  // ---------------------------------------------------------------- ranges

  @Test
  void get_ranges_returnSelectedBytes() {
    byte[] data = TestData.bytes(SEED, 10_000);
    putBytes(p + "r", data);
    try (ObjectContent c = store.get(p + "r", ByteRange.of(100, 50))) {
      assertThat(c.offset()).isEqualTo(100);
      assertThat(c.length()).isEqualTo(50);
      assertThat(c.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(data, 100, 150));
    }
    try (ObjectContent c = store.get(p + "r", ByteRange.from(9_990))) {
      assertThat(c.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(data, 9_990, 10_000));
    }
    try (ObjectContent c = store.get(p + "r", ByteRange.of(9_999, 500))) {
      assertThat(c.readAllBytes()).containsExactly(data[9_999]);
    }
    assertCode(() -> store.get(p + "r", ByteRange.from(10_000)), ErrorCode.INVALID_ARGUMENT);
  }

  // ---------------------------------------------------------------- absent, delete

  @Test
  void absentKey_notFoundOrFalse() {
    assertCode(() -> store.stat(p + "none"), ErrorCode.NOT_FOUND);
    assertCode(() -> store.get(p + "none", null), ErrorCode.NOT_FOUND);
    assertThat(store.delete(p + "none")).isFalse();
  }

  @Test
  void delete_existing_removesIt() {
    putBytes(p + "d/e", new byte[] {1});
    assertThat(store.delete(p + "d/e")).isTrue();
    assertCode(() -> store.stat(p + "d/e"), ErrorCode.NOT_FOUND);
    assertThat(store.delete(p + "d/e")).isFalse();
    if (listingHidesDeletedKeys()) {
      assertThat(store.list(ListRequest.prefix(p)).objects()).isEmpty();
      assertThat(store.list(ListRequest.prefix(p).withDelimiter("/")).commonPrefixes()).isEmpty();
    }
  }

  // ---------------------------------------------------------------- keys

  @ParameterizedTest
  @ValueSource(strings = {"", "/abs", "a//b", "a/../b", "./a", "a/.", "a/", "nul\0byte", "back\\slash", "ctl\u0001", "non\uffffchar"})
  void badKey_invalidArgumentEverywhere(String suffix) {
    String key = suffix.isEmpty() ? "" : (suffix.startsWith("/") ? suffix : p + suffix);
    String k = suffix.equals("./a") ? "./a" : key;
    assertCode(() -> putBytes(k, new byte[] {1}), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> store.get(k, null), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> store.stat(k), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> store.delete(k), ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void tooLongKey_invalidArgument() {
    String key = p + "x".repeat(ObjectKeys.MAX_KEY_BYTES);
    assertCode(() -> putBytes(key, new byte[] {1}), ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void badMetadata_invalidArgument() {
    assertCode(() -> PutOptions.DEFAULT.withMetadata(Map.of("Bad-Name", "v")), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> PutOptions.DEFAULT.withMetadata(Map.of("dwsha256", "v")), ErrorCode.INVALID_ARGUMENT);
    assertCode(() -> PutOptions.DEFAULT.withMetadata(Map.of("ok", "caf\u00e9")), ErrorCode.INVALID_ARGUMENT);
  }

  // ---------------------------------------------------------------- listing

  @Test
  void list_paging_visitsEveryKeyOnceInOrder() {
    List<String> keys = List.of("a", "a-b", "a/b", "a/c/d", "b", "b0", "z", "\u00e9", "\ufffd", "😀");
    for (String k : keys) {
      putBytes(p + k, k.getBytes(StandardCharsets.UTF_8));
    }
    List<String> expected = keys.stream().map(k -> p + k).sorted(listingOrder()).toList();
    List<String> seen = new ArrayList<>();
    ListRequest req = ListRequest.prefix(p).withMaxKeys(3);
    int pages = 0;
    while (true) {
      ListPage page = store.list(req);
      pages++;
      assertThat(page.objects().size()).isLessThanOrEqualTo(3);
      page.objects().forEach(o -> seen.add(o.key()));
      if (!page.hasMore()) {
        break;
      }
      req = req.withPageToken(page.nextPageToken());
      assertThat(pages).isLessThan(20);
    }
    assertThat(seen).containsExactlyElementsOf(expected);
  }

  @Test
  void list_delimiter_rollsUpCommonPrefixes() {
    for (String k : List.of("logs/2026/01", "logs/2026/02", "logs/2027/01", "logs/readme", "logsx", "other/1")) {
      putBytes(p + k, new byte[] {1});
    }
    ListPage top = store.list(ListRequest.prefix(p).withDelimiter("/"));
    assertThat(top.objects()).extracting(ObjectInfo::key).containsExactly(p + "logsx");
    assertThat(top.commonPrefixes()).containsExactly(p + "logs/", p + "other/");
    ListPage logs = store.list(ListRequest.prefix(p + "logs/").withDelimiter("/"));
    assertThat(logs.objects()).extracting(ObjectInfo::key).containsExactly(p + "logs/readme");
    assertThat(logs.commonPrefixes()).containsExactly(p + "logs/2026/", p + "logs/2027/");
    ListPage partial = store.list(ListRequest.prefix(p + "logs/20").withDelimiter("/"));
    assertThat(partial.commonPrefixes()).containsExactly(p + "logs/2026/", p + "logs/2027/");

    List<String> paged = new ArrayList<>();
    ListRequest req = ListRequest.prefix(p).withDelimiter("/").withMaxKeys(1);
    for (int i = 0; i < 10; i++) {
      ListPage page = store.list(req);
      paged.addAll(page.commonPrefixes());
      page.objects().forEach(o -> paged.add(o.key()));
      if (!page.hasMore()) {
        break;
      }
      req = req.withPageToken(page.nextPageToken());
    }
    // every entry exactly once; S3Mock pages common prefixes apart from keys, so no order across pages here
    assertThat(paged).containsExactlyInAnyOrder(p + "logs/", p + "logsx", p + "other/");
  }

  @Test
  void list_prefixWithoutMatches_empty() {
    putBytes(p + "a", new byte[] {1});
    assertThat(store.list(ListRequest.prefix(p + "b")).objects()).isEmpty();
    assertThat(store.list(ListRequest.prefix(p + "a/")).objects()).isEmpty();
  }

  // ---------------------------------------------------------------- WORM

  private PutOptions retained(Duration d) {
    return PutOptions.DEFAULT.withRetention(new Retention(RetentionMode.COMPLIANCE, now().plus(d)));
  }

  @Test
  void worm_unsupported_refusedWithUnsupported() {
    assumeTrue(wormSupport() == WormSupport.UNSUPPORTED);
    assertCode(() -> store.put(p + "w", new ByteArrayInputStream(new byte[] {1}), 1, retained(Duration.ofDays(1))),
        ErrorCode.UNSUPPORTED);
    assertCode(() -> store.stat(p + "w"), ErrorCode.NOT_FOUND);
  }

  @Test
  void worm_retention_recordedAndReadBack() {
    assumeTrue(wormSupport() == WormSupport.ENFORCED);
    Instant until = now().plus(Duration.ofDays(3));
    PutOptions o = PutOptions.DEFAULT.withRetention(new Retention(RetentionMode.GOVERNANCE, until)).withLegalHold(true);
    ObjectInfo put = store.put(p + "w", new ByteArrayInputStream(new byte[] {1}), 1, o);
    WormState expected = new WormState(new Retention(RetentionMode.GOVERNANCE, until), true);
    assertThat(put.worm()).isEqualTo(expected);
    assertThat(store.stat(p + "w").worm()).isEqualTo(expected);
    assertThat(store.worm().state(p + "w")).isEqualTo(expected);
  }

  @Test
  void worm_retained_refusesOverwriteDeleteAndShortening() {
    assumeTrue(wormSupport() == WormSupport.ENFORCED);
    store.put(p + "w", new ByteArrayInputStream(new byte[] {1}), 1, retained(Duration.ofDays(2)));
    assertCode(() -> putBytes(p + "w", new byte[] {2}), ErrorCode.RETENTION_LOCKED);
    assertCode(() -> store.delete(p + "w"), ErrorCode.RETENTION_LOCKED);
    assertCode(() -> store.worm().extendRetention(p + "w", RetentionMode.COMPLIANCE, now().plus(Duration.ofDays(1))),
        ErrorCode.RETENTION_LOCKED);
    assertCode(() -> store.worm().extendRetention(p + "w", RetentionMode.GOVERNANCE, now().plus(Duration.ofDays(5))),
        ErrorCode.RETENTION_LOCKED);
    Instant later = now().plus(Duration.ofDays(5));
    WormState s = store.worm().extendRetention(p + "w", RetentionMode.COMPLIANCE, later);
    assertThat(s.retention().retainUntil()).isEqualTo(later.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    assertThat(store.worm().state(p + "w").retention().retainUntil()).isEqualTo(s.retention().retainUntil());
    assertThat(getBytes(p + "w")).containsExactly(1);
  }

  @Test
  void worm_legalHold_refusesDeleteUntilCleared() {
    assumeTrue(wormSupport() == WormSupport.ENFORCED);
    putBytes(p + "h", new byte[] {1});
    assertThat(store.worm().setLegalHold(p + "h", true).legalHold()).isTrue();
    assertCode(() -> store.delete(p + "h"), ErrorCode.RETENTION_LOCKED);
    assertCode(() -> putBytes(p + "h", new byte[] {2}), ErrorCode.RETENTION_LOCKED);
    assertThat(store.worm().setLegalHold(p + "h", false).legalHold()).isFalse();
    assertThat(store.stat(p + "h").worm().legalHold()).isFalse();
    assertThat(store.delete(p + "h")).isTrue();
  }

  @Test
  void worm_retentionExpired_allowsDelete() {
    assumeTrue(wormSupport() == WormSupport.ENFORCED);
    store.put(p + "e", new ByteArrayInputStream(new byte[] {1}), 1, retained(Duration.ofHours(1)));
    assumeTrue(advanceTime(Duration.ofHours(2)), "the store's clock cannot be moved");
    assertThat(store.delete(p + "e")).isTrue();
  }

  @Test
  void worm_pastRetainUntil_invalidArgument() {
    assumeTrue(wormSupport() == WormSupport.ENFORCED);
    assertCode(() -> store.put(p + "past", new ByteArrayInputStream(new byte[] {1}), 1, retained(Duration.ofDays(-1))),
        ErrorCode.INVALID_ARGUMENT);
  }

  /** Hex of a few bytes, for messages. */
  protected static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
