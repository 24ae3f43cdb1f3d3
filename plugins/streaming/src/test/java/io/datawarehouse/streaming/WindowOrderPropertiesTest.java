package io.datawarehouse.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Results do not depend on the arrival order as long as no record arrives more than the allowed
 * out-of-orderness behind the newest one; and they equal a brute-force computation. Each window
 * aggregates the set of record ids, so a record in the wrong window cannot go unnoticed.
 */
class WindowOrderPropertiesTest {

  /** The ids of a window's records, sorted: the strongest check of window assignment. */
  static final class IdSet implements Aggregation<Event, TreeSet<Integer>, List<Integer>> {
    @Override
    public TreeSet<Integer> createAccumulator() {
      return new TreeSet<>();
    }

    @Override
    public TreeSet<Integer> add(TreeSet<Integer> acc, Event value) {
      acc.add(value.id());
      return acc;
    }

    @Override
    public TreeSet<Integer> merge(TreeSet<Integer> a, TreeSet<Integer> b) {
      a.addAll(b);
      return a;
    }

    @Override
    public List<Integer> result(TreeSet<Integer> acc) {
      return List.copyOf(acc);
    }

    @Override
    public Codec<TreeSet<Integer>> accumulatorCodec() {
      return new Codec<>() {
        @Override
        public byte[] encode(TreeSet<Integer> value) {
          ByteBuffer b = ByteBuffer.allocate(4 * value.size());
          value.forEach(b::putInt);
          return b.array();
        }

        @Override
        public TreeSet<Integer> decode(byte[] bytes) {
          TreeSet<Integer> s = new TreeSet<>();
          ByteBuffer b = ByteBuffer.wrap(bytes);
          while (b.hasRemaining()) {
            s.add(b.getInt());
          }
          return s;
        }
      };
    }
  }

  record Key(String key, long start, long end) implements Comparable<Key> {
    private static final Comparator<Key> ORDER = Comparator.comparing(Key::key).thenComparingLong(Key::start)
        .thenComparingLong(Key::end);

    @Override
    public int compareTo(Key o) {
      return ORDER.compare(this, o);
    }
  }

  @Provide
  Arbitrary<List<Event>> events() {
    Arbitrary<Event> e = Combinators.combine(
            Arbitraries.of("a", "b", "c", "d"), Arbitraries.longs().between(-500, 3_000))
        .as((k, ts) -> Event.of(k, ts));
    return e.list().ofMaxSize(250).map(list -> {
      List<Event> withIds = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        withIds.add(new Event(list.get(i).key(), list.get(i).ts(), 1, i));
      }
      return withIds;
    });
  }

  /**
   * The events in an arrival order no more than {@code disorder} out of event-time order: each
   * arrives at {@code ts + jitter} with jitter in [0, disorder].
   */
  static List<Event> arrivalOrder(List<Event> events, long disorder, Random random) {
    record Arrival(Event e, long at) {}
    List<Arrival> a = new ArrayList<>();
    for (Event e : events) {
      a.add(new Arrival(e, e.ts() + (disorder == 0 ? 0 : random.nextLong(disorder + 1))));
    }
    a.sort(Comparator.comparingLong(Arrival::at).thenComparingInt(x -> x.e().id()));
    return a.stream().map(Arrival::e).toList();
  }

  static Map<Key, List<Integer>> run(List<Event> input, long disorder, WindowSpec spec) throws Exception {
    Sinks.Collecting<WindowResult<String, List<Integer>>> out = Sinks.collecting();
    Sinks.Collecting<DeadLetter> dead = Sinks.collecting();
    Pipeline.Builder b = Pipeline.builder("prop");
    b.source(Sources.of(input), WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(disorder), Event::ts))
        .keyBy(Event::key).window(spec).aggregate(new IdSet()).to(out);
    Harness.runToEnd(b.deadLetters(dead).build(), RunOptions.defaults().withBatchSize(7));
    assertThat(dead.items()).as("no record is late within the allowed disorder").isEmpty();
    Map<Key, List<Integer>> m = new TreeMap<>();
    for (WindowResult<String, List<Integer>> r : out.items()) {
      assertThat(r.update()).as("on-time records never update a fired window").isZero();
      assertThat(m.put(new Key(r.key(), r.start(), r.end()), r.value())).as("one result per window").isNull();
    }
    return m;
  }

  static Map<Key, List<Integer>> bruteForceAligned(List<Event> events, long size, long slide) {
    Map<Key, TreeSet<Integer>> m = new TreeMap<>();
    for (Event e : events) {
      for (long s = Math.floorDiv(e.ts(), slide) * slide; s > e.ts() - size; s -= slide) {
        m.computeIfAbsent(new Key(e.key(), s, s + size), k -> new TreeSet<>()).add(e.id());
      }
    }
    Map<Key, List<Integer>> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, List.copyOf(v)));
    return out;
  }

  static Map<Key, List<Integer>> bruteForceSessions(List<Event> events, long gap) {
    Map<Key, List<Integer>> out = new TreeMap<>();
    Map<String, List<Event>> byKey = new TreeMap<>();
    events.forEach(e -> byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e));
    byKey.forEach((key, list) -> {
      list.sort(Comparator.comparingLong(Event::ts));
      long start = 0;
      long end = Long.MIN_VALUE;
      TreeSet<Integer> ids = new TreeSet<>();
      for (Event e : list) {
        if (e.ts() >= end && !ids.isEmpty()) {
          out.put(new Key(key, start, end), List.copyOf(ids));
          ids.clear();
        }
        if (ids.isEmpty()) {
          start = e.ts();
        }
        ids.add(e.id());
        end = Math.max(end, e.ts() + gap);
      }
      if (!ids.isEmpty()) {
        out.put(new Key(key, start, end), List.copyOf(ids));
      }
    });
    return out;
  }

  @Property(tries = 150)
  void tumbling_boundedDisorder_sameAsBruteForce(@ForAll("events") List<Event> events,
      @ForAll @IntRange(min = 1, max = 200) int size, @ForAll @IntRange(min = 0, max = 100) int disorder,
      @ForAll Random random) throws Exception {
    List<Event> shuffled = arrivalOrder(events, disorder, random);
    assertThat(run(shuffled, disorder, WindowSpec.tumbling(Duration.ofMillis(size))))
        .isEqualTo(bruteForceAligned(events, size, size));
  }

  @Property(tries = 150)
  void sliding_boundedDisorder_sameAsBruteForce(@ForAll("events") List<Event> events,
      @ForAll @IntRange(min = 1, max = 60) int slide, @ForAll @IntRange(min = 1, max = 4) int windowsPerRecord,
      @ForAll @IntRange(min = 0, max = 100) int disorder, @ForAll Random random) throws Exception {
    List<Event> shuffled = arrivalOrder(events, disorder, random);
    long size = (long) slide * windowsPerRecord;
    assertThat(run(shuffled, disorder, WindowSpec.sliding(Duration.ofMillis(size), Duration.ofMillis(slide))))
        .isEqualTo(bruteForceAligned(events, size, slide));
  }

  @Property(tries = 150)
  void session_boundedDisorder_sameAsBruteForce(@ForAll("events") List<Event> events,
      @ForAll @IntRange(min = 1, max = 150) int gap, @ForAll @IntRange(min = 0, max = 100) int disorder,
      @ForAll Random random) throws Exception {
    List<Event> shuffled = arrivalOrder(events, disorder, random);
    assertThat(run(shuffled, disorder, WindowSpec.session(Duration.ofMillis(gap))))
        .isEqualTo(bruteForceSessions(events, gap));
  }
}
