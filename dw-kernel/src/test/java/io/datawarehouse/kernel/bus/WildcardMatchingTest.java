package io.datawarehouse.kernel.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The bus's matcher and {@link Topics#matches} against a plain reference matcher written here. */
class WildcardMatchingTest {

  /** The reference: recursive matching over token lists, written independently of the bus. */
  static boolean reference(List<String> pattern, List<String> topic) {
    if (pattern.isEmpty()) {
      return topic.isEmpty();
    }
    String head = pattern.get(0);
    if (head.equals(">")) {
      return !topic.isEmpty();
    }
    if (topic.isEmpty()) {
      return false;
    }
    if (head.equals("*") || head.equals(topic.get(0))) {
      return reference(pattern.subList(1, pattern.size()), topic.subList(1, topic.size()));
    }
    return false;
  }

  @Provide
  Arbitrary<List<String>> topics() {
    return Arbitraries.of("a", "b", "c", "orders", "x1").list().ofMinSize(1).ofMaxSize(5);
  }

  @Provide
  Arbitrary<List<String>> patterns() {
    Arbitrary<List<String>> body = Arbitraries.of("a", "b", "c", "orders", "x1", "*").list().ofMinSize(0).ofMaxSize(5);
    Arbitrary<Boolean> tail = Arbitraries.of(true, false);
    return Combinators.combine(body, tail).as((b, gt) -> {
      List<String> p = new ArrayList<>(b);
      if (gt || p.isEmpty()) {
        p.add(">");
      }
      return p;
    });
  }

  @Property(tries = 3000)
  void matchers_agreeWithReference(@ForAll("patterns") List<String> pattern, @ForAll("topics") List<String> topic) {
    String p = String.join(".", pattern);
    String t = String.join(".", topic);
    boolean expected = reference(pattern, topic);
    assertThat(Topics.matches(p, t)).as("Topics.matches(%s, %s)", p, t).isEqualTo(expected);
    Sub sub = new Sub(null, 1, p, null, "test", 1, MessageHandler.listener(m -> { }));
    assertThat(sub.matches(t.split("\\.", -1))).as("bus matcher (%s, %s)", p, t).isEqualTo(expected);
  }

  @Property(tries = 300)
  void bus_deliversExactlyWhenReferenceMatches(@ForAll("patterns") List<String> pattern, @ForAll("topics") List<String> topic)
{
    String p = String.join(".", pattern);
    String t = String.join(".", topic);
    InProcessMessageBus bus = new InProcessMessageBus();
    AtomicInteger got = new AtomicInteger();
    bus.subscribe(p, MessageHandler.listener(m -> got.incrementAndGet()));
    bus.publish(Message.text(t, "x"));
    // close() drains every queue, so the count is final afterwards
    bus.close();
    assertThat(got.get()).as("pattern %s topic %s", p, t).isEqualTo(reference(pattern, topic) ? 1 : 0);
  }
}
