package io.datawarehouse.raid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.kernel.Kernel;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin over the bus: status, events, background rebuild, and shipping a snapshot to a second kernel. */
class RaidPluginTest {
  static final ArraySpec SPEC = ArraySpec.of(RaidLevel.RAID6, 4, ArrayConfigs.DISK, ArrayConfigs.BLOCK);
  static final Duration T = Duration.ofSeconds(30);

  @TempDir
  Path tmp;

  static Kernel kernel(Path dataDir, Map<String, String> overrides, io.datawarehouse.sdk.bus.MessageBus bus) {
    Kernel.Builder b = Kernel.builder().dataDir(dataDir).plugins(List.of(new RaidPlugin()));
    overrides.forEach(b::override);
    if (bus != null) {
      b.bus(bus);
    }
    Kernel k = b.build();
    k.start();
    assertThat(k.pluginState("raid")).isEqualTo(Kernel.PluginState.RUNNING);
    return k;
  }

  @Test
  void status_events_andBackgroundRebuild_overTheBus() {
    Path data = tmp.resolve("node");
    byte[] ref;
    try (RaidArray a = RaidArray.create(data.resolve("raid/arrays/main"), SPEC)) {
      ref = RaidArrayTest.randomWrites(a, new SplittableRandom(41), 5);
    }
    Kernel k = kernel(data, Map.of(), null);
    try {
      JsonNode one = k.bus().requestSync(Message.json(RaidPlugin.STATUS, Map.of("array", "main")), T).jsonTree();
      assertThat(one.path("state").asText()).isEqualTo("optimal");
      assertThat(one.path("members")).hasSize(4);
      assertThat(k.metrics().find("dw.raid.array.state").tag("array", "main").gauge().value()).isZero();
      assertThat(k.metrics().find("dw.raid.disk.writes").tag("array", "main").tag("disk", "0").gauge().value()).isPositive();
      JsonNode all = k.bus().requestSync(Message.builder(RaidPlugin.STATUS).build(), T).jsonTree();
      assertThat(all.has("main")).isTrue();
      List<Message> events = new CopyOnWriteArrayList<>();
      k.bus().subscribe(RaidPlugin.EVENTS, MessageHandler.listener(events::add));
      RaidPlugin p = (RaidPlugin) k.plugin("raid");
      p.array("main").fail(2);
      p.array("main").replace(2);
      assertThat(k.health().components().get("raid").status()).isNotEqualTo(io.datawarehouse.sdk.Health.Status.DOWN);
      await().atMost(T).until(() -> events.stream().anyMatch(m -> "disk.failed".equals(m.header("dw-event"))));
    } finally {
      k.stop();
    }
    // the replaced disk is rebuilt in the background when the plugin starts again
    Kernel k2 = kernel(data, Map.of(), null);
    try {
      RaidPlugin p = (RaidPlugin) k2.plugin("raid");
      await().atMost(T).until(() -> p.array("main").status().state().equals("optimal"));
      RaidArrayTest.assertContent(p.array("main"), ref, "after background rebuild");
    } finally {
      k2.stop();
    }
  }

  @Test
  void snapshotSend_toASecondKernel_isStoredVerifiedAndRestorable() {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    byte[] atSnapshot;
    try (RaidArray src = RaidArray.create(a.resolve("raid/arrays/src"), SPEC)) {
      atSnapshot = RaidArrayTest.randomWrites(src, new SplittableRandom(42), 5);
      src.snapshotCreate("nightly");
      RaidArrayTest.randomWrites(src, new SplittableRandom(43), 5);
    }
    RaidArray.create(b.resolve("raid/arrays/dst"), SPEC).close();
    Kernel ka = kernel(a, Map.of("raid.receiver", "false", "raid.sendChunk", "64KiB"), null);
    Kernel kb = kernel(b, Map.of(), ka.bus());
    try {
      JsonNode sent = ka.bus().requestSync(Message.json(RaidPlugin.SEND, Map.of("array", "src", "snapshot", "nightly")), T).jsonTree();
      String id = sent.path("received").asText();
      assertThat(id).startsWith("nightly@");
      RaidPlugin pb = (RaidPlugin) kb.plugin("raid");
      assertThat(pb.received()).extracting(r -> r.id()).containsExactly(id);
      JsonNode restored = kb.bus().requestSync(Message.json(RaidPlugin.RESTORE_RECEIVED, Map.of("received", id, "array", "dst")), T).jsonTree();
      assertThat(restored.path("bytes").asLong()).isEqualTo(atSnapshot.length);
      RaidArrayTest.assertContent(pb.array("dst"), atSnapshot, "restored on the second kernel");
    } finally {
      kb.stop();
      ka.stop();
    }
  }
}
