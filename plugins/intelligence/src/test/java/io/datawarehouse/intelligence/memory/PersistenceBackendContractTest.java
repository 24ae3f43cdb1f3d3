package io.datawarehouse.intelligence.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.testkit.ManualTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link PersistenceBackend} passes: CRUD, versions and conflicts, batches,
 * touch, expiry with a manual clock, statistics, and every query predicate and order compared
 * with {@link ReferenceQuery} over random records and queries (jqwik). An implementation's test
 * extends this class and says how to open its backend (external backends do the same from this
 * module's test jar).
 */
public abstract class PersistenceBackendContractTest {
  protected ManualTime time;
  protected Path dir;
  protected PersistenceBackend backend;

  /** Opens the backend under test, keeping its state in {@code dir} if it keeps any. */
  protected abstract PersistenceBackend open(Path dir, Time time);

  /** Whether the backend keeps its records across close and open (false for in-memory ones). */
  protected abstract boolean durable();

  @BeforeEach
  void openBackend() throws IOException {
    time = new ManualTime();
    dir = newDir();
    backend = open(dir, time);
  }

  @AfterEach
  void closeBackend() throws IOException {
    backend.close();
    deleteTree(dir);
  }

  protected static Path newDir() throws IOException {
    Path root = Path.of(System.getProperty("dw.test.tmp", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(root);
    return Files.createTempDirectory(root, "memory-contract-");
  }

  protected static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
    Path sortTmp = p.resolveSibling(p.getFileName() + ".sort-tmp");
    if (Files.exists(sortTmp)) {
      deleteTree(sortTmp);
    }
  }

  protected static MemoryRecord rec(String id) {
    return MemoryRecord.builder(id).content("content of " + id).build();
  }

  // ------------------------------------------------------------------ CRUD and versions

  @Test
  void store_new_assignsVersionOneAndTheStoreClock() {
    MemoryRecord s = backend.store(MemoryRecord.builder("a").content("hello").tier(MemoryTier.LONG_TERM).scope("agent-1")
        .tags("x", "y").importance(0.9).metadata("k", IntNode.valueOf(3)).embedding(new float[] {1, 2, 3}).build());
    assertThat(s.version()).isEqualTo(1);
    assertThat(s.createdAt()).isEqualTo(time.now());
    assertThat(s.lastAccessedAt()).isEqualTo(time.now());
    assertThat(backend.get("a")).contains(s);
    assertThat(backend.get("a").orElseThrow().contentText()).isEqualTo("hello");
    assertThat(backend.get("a").orElseThrow().embedding()).containsExactly(1, 2, 3);
    assertThat(backend.get("a").orElseThrow().contentHash()).isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assertThat(backend.exists("a")).isTrue();
    assertThat(backend.exists("b")).isFalse();
    assertThat(backend.get("b")).isEmpty();
  }

  @Test
  void store_existing_replacesAdvancesVersionAndKeepsCreationTime() {
    MemoryRecord first = backend.store(rec("a"));
    time.advance(Duration.ofMinutes(5));
    MemoryRecord second = backend.store(MemoryRecord.builder("a").content("new").tags("t").build());
    assertThat(second.version()).isEqualTo(2);
    assertThat(second.createdAt()).isEqualTo(first.createdAt());
    assertThat(backend.get("a")).contains(second);
    try (Stream<MemoryRecord> s = backend.query(MemoryQuery.builder().tagsAll(List.of("t")).build())) {
      assertThat(s.map(MemoryRecord::id)).containsExactly("a");
    }
  }

  @Test
  void update_currentVersion_advancesAndKeepsAccessBookkeeping() {
    MemoryRecord s = backend.store(rec("a"));
    time.advance(Duration.ofMinutes(1));
    backend.touch(List.of("a"), time.now());
    MemoryRecord read = backend.get("a").orElseThrow();
    MemoryRecord u = backend.update(read.toBuilder().content("changed").accessCount(0).build());
    assertThat(u.version()).isEqualTo(2);
    assertThat(u.contentText()).isEqualTo("changed");
    assertThat(u.accessCount()).isEqualTo(1);
    assertThat(u.createdAt()).isEqualTo(s.createdAt());
    assertThat(backend.get("a")).contains(u);
  }

  @Test
  void update_staleVersion_isConflictAndChangesNothing() {
    MemoryRecord v1 = backend.store(rec("a"));
    MemoryRecord v2 = backend.update(v1.toBuilder().content("by writer one").build());
    assertThatThrownBy(() -> backend.update(v1.toBuilder().content("by writer two").build()))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
          assertThat(e.getMessage()).contains("version 2", "version 1");
        });
    assertThat(backend.get("a")).contains(v2);
  }

  @Test
  void update_absent_isNotFound() {
    assertThatThrownBy(() -> backend.update(rec("ghost").toBuilder().version(1).build()))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThat(backend.exists("ghost")).isFalse();
  }

  @Test
  void delete_removesRecordAndItsIndexEntries() {
    backend.store(MemoryRecord.builder("a").scope("s").tags("t").tier(MemoryTier.ARCHIVE).expiresAt(time.now().plusSeconds(60)).build());
    assertThat(backend.delete("a")).isTrue();
    assertThat(backend.delete("a")).isFalse();
    assertThat(backend.get("a")).isEmpty();
    for (MemoryQuery q : List.of(MemoryQuery.builder().scope("s").build(), MemoryQuery.builder().tagsAny(List.of("t")).build(),
        MemoryQuery.builder().tier(MemoryTier.ARCHIVE).build(), MemoryQuery.all())) {
      assertThat(backend.count(q)).as(q.toString()).isZero();
    }
    assertThat(backend.statistics().records()).isZero();
  }

  // ------------------------------------------------------------------ batches

  @Test
  void storeAll_storesEveryRecordInOrder_andGetAllDeleteAllWork() {
    List<MemoryRecord> in = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      in.add(rec("r" + i));
    }
    List<MemoryRecord> out = backend.storeAll(in);
    assertThat(out).extracting(MemoryRecord::id).containsExactlyElementsOf(in.stream().map(MemoryRecord::id).toList());
    assertThat(out).allSatisfy(r -> assertThat(r.version()).isEqualTo(1));
    Map<String, MemoryRecord> got = backend.getAll(List.of("r3", "nope", "r1"));
    assertThat(got.keySet()).containsExactly("r3", "r1");
    assertThat(backend.deleteAll(List.of("r1", "r2", "nope"))).isEqualTo(2);
    assertThat(backend.count(MemoryQuery.all())).isEqualTo(48);
  }

  @Test
  void storeAll_duplicateIds_isInvalidAndWritesNothing() {
    assertThatThrownBy(() -> backend.storeAll(List.of(rec("a"), rec("b"), rec("a"))))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    assertThat(backend.exists("a")).isFalse();
    assertThat(backend.exists("b")).isFalse();
  }

  @Test
  void touch_countsAccessesWithoutChangingTheVersion() {
    backend.store(rec("a"));
    time.advance(Duration.ofSeconds(30));
    assertThat(backend.touch(List.of("a", "missing"), time.now())).isEqualTo(1);
    backend.touch(List.of("a"), time.now());
    MemoryRecord r = backend.get("a").orElseThrow();
    assertThat(r.accessCount()).isEqualTo(2);
    assertThat(r.lastAccessedAt()).isEqualTo(time.now());
    assertThat(r.version()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ expiry

  @Test
  void expiry_withTheManualClock_hidesThenPurges() {
    backend.store(MemoryRecord.builder("short").expiresAt(time.now().plus(Duration.ofMinutes(1))).tags("t").build());
    backend.store(MemoryRecord.builder("long").expiresAt(time.now().plus(Duration.ofHours(1))).tags("t").build());
    backend.store(rec("forever"));
    time.advance(Duration.ofSeconds(59));
    assertThat(backend.exists("short")).isTrue();
    time.advance(Duration.ofSeconds(1));
    assertThat(backend.get("short")).isEmpty();
    assertThat(backend.exists("short")).isFalse();
    assertThat(backend.touch(List.of("short"), time.now())).isZero();
    assertThatThrownBy(() -> backend.update(rec("short").toBuilder().version(1).build()))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThat(backend.count(MemoryQuery.builder().tagsAny(List.of("t")).build())).isEqualTo(1);
    assertThat(backend.count(MemoryQuery.builder().tagsAny(List.of("t")).includeExpired(true).build())).isEqualTo(2);

    assertThat(backend.purgeExpired()).isEqualTo(1);
    assertThat(backend.count(MemoryQuery.builder().includeExpired(true).build())).isEqualTo(2);
    time.advance(Duration.ofHours(2));
    backend.compact();
    assertThat(backend.count(MemoryQuery.builder().includeExpired(true).build())).isEqualTo(1);
    assertThat(backend.statistics().records()).isEqualTo(1);
  }

  @Test
  void store_overAnExpiredRecord_startsAFreshLife() {
    backend.store(MemoryRecord.builder("a").expiresAt(time.now().plusSeconds(1)).build());
    time.advance(Duration.ofSeconds(5));
    MemoryRecord again = backend.store(rec("a"));
    assertThat(again.createdAt()).isEqualTo(time.now());
    assertThat(backend.get("a")).contains(again);
  }

  // ------------------------------------------------------------------ queries

  @Test
  void query_pagesAndCountsIgnoringPaging() {
    for (int i = 0; i < 30; i++) {
      backend.store(MemoryRecord.builder(String.format("r%02d", i)).scope(i % 2 == 0 ? "even" : "odd")
          .importance(i / 30.0).build());
    }
    MemoryQuery q = MemoryQuery.builder().scope("even").sort(MemoryQuery.SortField.IMPORTANCE, MemoryQuery.Direction.DESC)
        .skip(2).limit(3).build();
    try (Stream<MemoryRecord> s = backend.query(q)) {
      assertThat(s.map(MemoryRecord::id)).containsExactly("r24", "r22", "r20");
    }
    assertThat(backend.count(q)).isEqualTo(15);
    try (Stream<MemoryRecord> s = backend.getByScope("odd")) {
      assertThat(s.count()).isEqualTo(15);
    }
    try (Stream<MemoryRecord> s = backend.getByTier(MemoryTier.WORKING)) {
      assertThat(s.count()).isEqualTo(30);
    }
  }

  @Test
  void query_metadataEquality_isNumericallyCanonical() {
    backend.store(MemoryRecord.builder("a").metadata("n", IntNode.valueOf(2)).metadata("s", TextNode.valueOf("x")).build());
    backend.store(MemoryRecord.builder("b").metadata("n", com.fasterxml.jackson.databind.node.DoubleNode.valueOf(2.5)).build());
    assertThat(backend.count(MemoryQuery.builder().metadata("n", com.fasterxml.jackson.databind.node.DoubleNode.valueOf(2.0)).build())).isEqualTo(1);
    assertThat(backend.count(MemoryQuery.builder().metadata("n", com.fasterxml.jackson.databind.node.DoubleNode.valueOf(2.5)).build())).isEqualTo(1);
    assertThat(backend.count(MemoryQuery.builder().metadata("s", TextNode.valueOf("x")).metadata("n", IntNode.valueOf(2)).build())).isEqualTo(1);
    assertThat(backend.count(MemoryQuery.builder().metadata("missing", TextNode.valueOf("x")).build())).isZero();
  }

  /** Random records, random queries, compared with the reference: every predicate and every order. */
  @Property(tries = 40)
  void query_matchesTheReferenceFilter(@ForAll long seed) throws IOException {
    ManualTime t = new ManualTime();
    Path d = newDir();
    PersistenceBackend b = open(d, t);
    try {
      SplittableRandom rnd = new SplittableRandom(seed);
      Map<String, MemoryRecord> truth = new TreeMap<>();
      int n = 20 + rnd.nextInt(60);
      for (int i = 0; i < n; i++) {
        t.advance(Duration.ofSeconds(rnd.nextInt(1, 600)));
        MemoryRecord r = randomRecord(rnd, "r" + rnd.nextInt(100), t.now());
        if (rnd.nextInt(4) == 0) {
          List<MemoryRecord> batch = List.of(r, randomRecord(rnd, "b" + i, t.now()));
          b.storeAll(batch).forEach(s -> truth.put(s.id(), s));
        } else {
          MemoryRecord s = b.store(r);
          truth.put(s.id(), s);
        }
        if (rnd.nextInt(5) == 0 && !truth.isEmpty()) {
          String victim = new ArrayList<>(truth.keySet()).get(rnd.nextInt(truth.size()));
          b.delete(victim);
          truth.remove(victim);
        }
        if (rnd.nextInt(4) == 0 && !truth.isEmpty()) {
          String id = new ArrayList<>(truth.keySet()).get(rnd.nextInt(truth.size()));
          if (b.touch(List.of(id), t.now()) == 1) {
            truth.put(id, b.get(id).orElseThrow());
          }
        }
      }
      t.advance(Duration.ofMinutes(rnd.nextInt(0, 60)));
      for (int k = 0; k < 12; k++) {
        MemoryQuery q = randomQuery(rnd, t.now());
        List<MemoryRecord> expected = ReferenceQuery.run(truth.values(), q, t.now());
        try (Stream<MemoryRecord> s = b.query(q)) {
          assertThat(s.toList()).as("seed %d, %s", seed, q).containsExactlyElementsOf(expected);
        }
        assertThat(b.count(q)).as("count, seed %d, %s", seed, q).isEqualTo(ReferenceQuery.count(truth.values(), q, t.now()));
      }
    } finally {
      b.close();
      deleteTree(d);
    }
  }

  private static final List<String> TAGS = List.of("red", "green", "blue", "cyan");
  private static final List<String> SCOPES = List.of("agent-a", "agent-b", "team");

  private static MemoryRecord randomRecord(SplittableRandom rnd, String id, Instant now) {
    MemoryRecord.Builder b = MemoryRecord.builder(id).content("c" + rnd.nextInt(1000))
        .tier(MemoryTier.values()[rnd.nextInt(4)]).scope(SCOPES.get(rnd.nextInt(SCOPES.size())))
        .importance(rnd.nextInt(5) / 4.0).contentType(rnd.nextBoolean() ? "text/plain" : "application/json");
    List<String> tags = new ArrayList<>();
    for (String t : TAGS) {
      if (rnd.nextInt(3) == 0) {
        tags.add(t);
      }
    }
    b.tags(tags);
    if (rnd.nextBoolean()) {
      b.metadata("kind", IntNode.valueOf(rnd.nextInt(3)));
    }
    if (rnd.nextInt(3) == 0) {
      b.expiresAt(now.plus(Duration.ofMinutes(rnd.nextInt(1, 120))));
    }
    return b.build();
  }

  private static MemoryQuery randomQuery(SplittableRandom rnd, Instant now) {
    MemoryQuery.Builder q = MemoryQuery.builder();
    if (rnd.nextInt(3) == 0) {
      q.tier(MemoryTier.values()[rnd.nextInt(4)]);
      if (rnd.nextBoolean()) {
        q.tier(MemoryTier.values()[rnd.nextInt(4)]);
      }
    }
    if (rnd.nextInt(3) == 0) {
      q.scope(SCOPES.get(rnd.nextInt(SCOPES.size())));
      if (rnd.nextInt(3) == 0) {
        q.scope(SCOPES.get(rnd.nextInt(SCOPES.size())));
      }
    }
    if (rnd.nextInt(4) == 0) {
      q.tagsAny(List.of(TAGS.get(rnd.nextInt(4)), TAGS.get(rnd.nextInt(4))));
    }
    if (rnd.nextInt(4) == 0) {
      q.tagsAll(rnd.nextBoolean() ? List.of(TAGS.get(rnd.nextInt(4))) : List.of(TAGS.get(rnd.nextInt(4)), TAGS.get(rnd.nextInt(4))));
    }
    if (rnd.nextInt(4) == 0) {
      q.importance(rnd.nextBoolean() ? rnd.nextInt(5) / 4.0 : null, rnd.nextBoolean() ? rnd.nextInt(5) / 4.0 : null);
    }
    if (rnd.nextInt(4) == 0) {
      Instant a = now.minus(Duration.ofMinutes(rnd.nextInt(0, 600)));
      q.created(rnd.nextBoolean() ? a : null, rnd.nextBoolean() ? a.plus(Duration.ofMinutes(rnd.nextInt(1, 300))) : null);
    }
    if (rnd.nextInt(5) == 0) {
      Instant a = now.minus(Duration.ofMinutes(rnd.nextInt(0, 600)));
      q.accessed(a, rnd.nextBoolean() ? a.plus(Duration.ofMinutes(rnd.nextInt(1, 300))) : null);
    }
    if (rnd.nextInt(5) == 0) {
      q.contentType(rnd.nextBoolean() ? "text/plain" : "application/json");
    }
    if (rnd.nextInt(5) == 0) {
      q.metadata("kind", IntNode.valueOf(rnd.nextInt(3)));
    }
    MemoryQuery.SortField f = MemoryQuery.SortField.values()[rnd.nextInt(MemoryQuery.SortField.values().length)];
    q.sort(f, rnd.nextBoolean() ? MemoryQuery.Direction.ASC : MemoryQuery.Direction.DESC);
    if (rnd.nextInt(3) == 0) {
      q.skip(rnd.nextInt(10));
    }
    if (rnd.nextInt(3) == 0) {
      q.limit(rnd.nextInt(15));
    }
    q.includeExpired(rnd.nextInt(4) == 0);
    return q.build();
  }

  // ------------------------------------------------------------------ statistics, lifecycle

  @Test
  void statistics_countRecordsBytesAndTiers_andLatencies() {
    backend.store(MemoryRecord.builder("a").tier(MemoryTier.LONG_TERM).content("12345").build());
    backend.store(MemoryRecord.builder("b").tier(MemoryTier.LONG_TERM).build());
    backend.store(MemoryRecord.builder("c").tier(MemoryTier.ARCHIVE).build());
    backend.store(MemoryRecord.builder("c").tier(MemoryTier.WORKING).build());
    backend.get("a");
    BackendStatistics st = backend.statistics();
    assertThat(st.backend()).isEqualTo(backend.name());
    assertThat(st.records()).isEqualTo(3);
    long expectedBytes = backend.getAll(List.of("a", "b", "c")).values().stream().mapToLong(MemoryRecord::sizeBytes).sum();
    assertThat(st.bytes()).isEqualTo(expectedBytes);
    assertThat(st.tiers().get(MemoryTier.LONG_TERM).records()).isEqualTo(2);
    assertThat(st.tiers().get(MemoryTier.ARCHIVE).records()).isZero();
    assertThat(st.tiers().get(MemoryTier.WORKING).records()).isEqualTo(1);
    assertThat(st.writes()).isGreaterThanOrEqualTo(4);
    assertThat(st.reads()).isGreaterThanOrEqualTo(1);
    assertThat(st.latency()).containsKeys("store", "get");
    assertThat(st.latency().get("store").count()).isEqualTo(4);
    assertThat(backend.health().status()).isEqualTo(Health.Status.UP);
  }

  @Test
  void closed_callsFailUnavailable() {
    backend.store(rec("a"));
    backend.close();
    assertThatThrownBy(() -> backend.get("a"))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThat(backend.health().status()).isEqualTo(Health.Status.DOWN);
    backend.close();
  }

  @Test
  void reopen_keepsRecordsWhenDurable() {
    backend.store(MemoryRecord.builder("a").tags("t").scope("s").build());
    backend.flush();
    backend.close();
    backend = open(dir, time);
    if (durable()) {
      assertThat(backend.get("a")).isPresent();
      assertThat(backend.count(MemoryQuery.builder().scope("s").tagsAll(List.of("t")).build())).isEqualTo(1);
      assertThat(backend.statistics().records()).isEqualTo(1);
      assertThat(backend.capabilities()).contains(Capability.DURABLE);
    } else {
      assertThat(backend.get("a")).isEmpty();
      assertThat(backend.capabilities()).doesNotContain(Capability.DURABLE);
    }
  }

  @Test
  void capabilities_atomicBatchesAndTtl() {
    assertThat(backend.capabilities()).contains(Capability.ATOMIC_BATCHES, Capability.TTL);
    assertThat(Set.copyOf(backend.capabilities())).isNotEmpty();
  }
}
