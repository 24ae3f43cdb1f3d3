package io.datawarehouse.raid;

import io.datawarehouse.raid.internal.replication.SnapshotChunk;
import io.datawarehouse.raid.internal.replication.SnapshotReceiver;
import io.datawarehouse.raid.internal.replication.SnapshotSender;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Health;
import io.datawarehouse.sdk.Plugin;
import io.datawarehouse.sdk.PluginContext;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raid plugin: opens the configured arrays (and every array under {@code <dataDir>/arrays}),
 * answers {@code raid.status}, publishes {@code raid.events}, rebuilds degraded arrays in the
 * background, and receives snapshots shipped on {@code replication.snapshot.send}.
 *
 * <p>Topics (payloads in the README):
 * <ul>
 *   <li>{@code raid.status} (request): {@code {"array": name}} or {@code {}} for all.
 *   <li>{@code raid.events} (publish): {@link RaidEvent}s and rebuild/scrub {@link Progress}.
 *   <li>{@code raid.snapshot.send} (request): {@code {"array", "snapshot"}}: ship a snapshot to the
 *       receiver listening on {@code replication.snapshot.send}.
 *   <li>{@code replication.snapshot.send} (request): chunks of a shipped snapshot (when {@code
 *       receiver} is true).
 *   <li>{@code raid.received.restore} (request): {@code {"received", "array"}}: restore a
 *       received snapshot into a local array.
 * </ul>
 *
 * <p>Several nodes may run this plugin on one bus: a request naming an array that is not on this
 * node is left to the others (a name no node has fails with NO_RESPONDERS).
 *
 * <p>Threading: handlers run on the bus's virtual threads; rebuilds on one virtual thread per
 * array; arrays are thread-safe.
 */
public final class RaidPlugin implements Plugin {
  public static final String STATUS = "raid.status";
  public static final String EVENTS = "raid.events";
  public static final String SEND = "raid.snapshot.send";
  public static final String RESTORE_RECEIVED = "raid.received.restore";

  private static final Logger LOG = LoggerFactory.getLogger(RaidPlugin.class);

  private final Map<String, RaidArray> arrays = new ConcurrentHashMap<>();
  private final Map<String, Thread> rebuilds = new ConcurrentHashMap<>();
  private final List<Subscription> subscriptions = new ArrayList<>();
  private volatile PluginContext ctx;
  private volatile SnapshotReceiver receiver;
  private volatile boolean stopping;

  @Override
  public String id() {
    return "raid";
  }

  @Override
  public String description() {
    return "RAID 0/1/5/6/10 and Reed-Solomon arrays over file-backed disks: rebuild, scrub, snapshots, signed monitoring";
  }

  @Override
  public ConfigDef configDef() {
    ConfigDef array = ConfigDef.builder()
        .string("dir", null, "the array's directory (created with dw raid create); default <dataDir>/arrays/<name>")
        .build();
    return ConfigDef.builder()
        .map("arrays", array, "arrays to open, by name; every array under <dataDir>/arrays is opened too")
        .bool("autoRebuild", true, "rebuild disks that need it (replaced disks, activated spares, stale disks) in the background")
        .size("rebuildRate", "0", Validators.range(0, Long.MAX_VALUE), "rebuild rate limit per disk in bytes per second (0: unlimited)")
        .bool("receiver", true, "store snapshots shipped to this node on replication.snapshot.send")
        .size("sendChunk", "256KiB", Validators.range(4096, 512 * 1024), "bytes of snapshot data per replication message")
        .duration("sendTimeout", "30s", "how long to wait for the receiver's answer to one chunk")
        .build();
  }

  @Override
  public void start(PluginContext context) throws Exception {
    this.ctx = context;
    Path arraysDir = context.dataDir().resolve("arrays");
    Map<String, Path> dirs = new LinkedHashMap<>();
    if (Files.isDirectory(arraysDir)) {
      try (Stream<Path> s = Files.list(arraysDir)) {
        s.filter(p -> Files.exists(p.resolve("array.dat"))).sorted().forEach(p -> dirs.put(p.getFileName().toString(), p));
      }
    }
    context.config().getMap("arrays").forEach((name, c) -> dirs.put(name, c.getString("dir") == null ? arraysDir.resolve(name) : Path.of(c.getString("dir"))));
    for (Map.Entry<String, Path> e : dirs.entrySet()) {
      RaidArray a = RaidArray.open(e.getValue(), context.time(), BlockDeviceFactory.FILES);
      String name = e.getKey();
      a.addListener(ev -> publishEvent(name, ev));
      arrays.put(name, a);
      registerMetrics(context, name, a);
      LOG.info("raid: array {} ({}) opened: {}", name, e.getValue(), a.status().state());
      if (context.config().isTrue("autoRebuild") && !a.needsRebuild().isEmpty()) {
        startRebuild(name, a);
      }
    }
    receiver = new SnapshotReceiver(context.dataDir().resolve("received"));
    subscriptions.add(context.bus().subscribe(STATUS, this::status));
    subscriptions.add(context.bus().subscribe(SEND, this::send));
    subscriptions.add(context.bus().subscribe(RESTORE_RECEIVED, this::restoreReceived));
    if (context.config().isTrue("receiver")) {
      subscriptions.add(context.bus().subscribe(SnapshotSender.TOPIC,
          MessageHandler.json(SnapshotChunk.class, c -> receiver.accept(c, context.time().now()))));
    }
  }

  /** Gauges per array ({@code dw.raid.array.state}: 0 optimal, 1 degraded or rebuilding, 2 failed) and per disk counter. */
  private static void registerMetrics(PluginContext c, String name, RaidArray a) {
    io.micrometer.core.instrument.MeterRegistry reg = c.metrics();
    io.micrometer.core.instrument.Gauge.builder(c.metricName("array.state"), a, x -> switch (x.status().state()) {
      case "optimal" -> 0;
      case "failed" -> 2;
      default -> 1;
    }).tag("array", name).register(reg);
    int disks = a.status().members().size();
    for (String counter : List.of("reads", "writes", "bytesRead", "bytesWritten", "readErrors", "writeErrors", "checksumErrors", "remaps")) {
      for (int d = 0; d < disks; d++) {
        int role = d;
        io.micrometer.core.instrument.Gauge.builder(c.metricName("disk." + counter), a, x -> {
          Object v = x.status().members().get(role).counters().get(counter);
          return v instanceof Number n ? n.doubleValue() : 0;
        }).tag("array", name).tag("disk", String.valueOf(d)).register(reg);
      }
    }
  }

  private void publishEvent(String array, RaidEvent ev) {
    PluginContext c = ctx;
    if (c == null) {
      return;
    }
    try {
      c.bus().publish(Message.builder(EVENTS).json(ev).header("dw-event", ev.type()).header("raid-array", array).build());
    } catch (DwException e) {
      LOG.warn("raid: cannot publish {} on {}: {}", ev.type(), EVENTS, e.getMessage());
    }
    if (RaidEvent.SPARE_ACTIVATED.equals(ev.type()) && c.config().isTrue("autoRebuild") && !stopping) {
      RaidArray a = arrays.get(array);
      if (a != null) {
        Thread.ofVirtual().name("raid-spare-" + array).start(() -> startRebuild(array, a));
      }
    }
  }

  private synchronized void startRebuild(String name, RaidArray a) {
    Thread running = rebuilds.get(name);
    if (running != null && running.isAlive()) {
      return;
    }
    long rate = ctx.config().getSize("rebuildRate");
    Progress.Listener progress = Progress.Listener.publishing(ctx.bus(), EVENTS);
    Thread t = Thread.ofVirtual().name("raid-rebuild-" + name).start(() -> {
      try {
        a.rebuild(progress, rate);
      } catch (DwException e) {
        if (!stopping) {
          LOG.warn("raid: rebuild of array {} stopped: {}", name, e.getMessage());
        }
      }
    });
    rebuilds.put(name, t);
  }

  /** Request body of {@code raid.status}. */
  public record StatusRequest(String array) {}

  private Message status(Message m) {
    StatusRequest q = m.size() == 0 ? new StatusRequest(null) : m.json(StatusRequest.class);
    if (q.array() != null) {
      RaidArray a = arrays.get(q.array());
      return a == null ? null : Message.replyTo(m).json(a.status()).build(); // another node may have it
    }
    Map<String, ArrayStatus> all = new LinkedHashMap<>();
    arrays.forEach((n, a) -> all.put(n, a.status()));
    return Message.replyTo(m).json(all).build();
  }

  /** Request body of {@code raid.snapshot.send}. */
  public record SendRequest(String array, String snapshot) {}

  /** Reply of {@code raid.snapshot.send}. */
  public record SendReply(String received, long bytes) {}

  private Message send(Message m) {
    SendRequest q = m.json(SendRequest.class);
    if (q.array() == null || !arrays.containsKey(q.array())) {
      return null; // not an array of this node
    }
    SnapshotChunk.Ack ack = sendSnapshot(q.array(), q.snapshot(), Progress.Listener.publishing(ctx.bus(), EVENTS));
    return Message.replyTo(m).json(new SendReply(ack.id(), ack.received())).build();
  }

  /** Ships snapshot {@code snapshot} of array {@code name} to the receiver on the bus. */
  public SnapshotChunk.Ack sendSnapshot(String name, String snapshot, Progress.Listener progress) {
    PluginContext c = ctx;
    RaidArray a = array(name);
    int chunk = (int) (long) c.config().getSize("sendChunk");
    Duration timeout = c.config().getDuration("sendTimeout");
    return SnapshotSender.send(c.bus(), a, snapshot, chunk, timeout, progress, c.time().now());
  }

  /** Request body of {@code raid.received.restore}. */
  public record RestoreRequest(String received, String array) {}

  /** Reply of {@code raid.received.restore}. */
  public record RestoreReply(String array, long bytes) {}

  private Message restoreReceived(Message m) {
    RestoreRequest q = m.json(RestoreRequest.class);
    RaidArray a = q.array() == null ? null : arrays.get(q.array());
    if (a == null) {
      return null; // not an array of this node
    }
    receiver.restore(q.received(), a);
    return Message.replyTo(m).json(new RestoreReply(q.array(), a.capacity())).build();
  }

  /** Snapshots received on this node. */
  public List<SnapshotReceiver.Received> received() {
    return receiver.list();
  }

  /** An open array by name. */
  public RaidArray array(String name) {
    if (name == null) {
      throw DwException.invalidArgument("an array name is required; arrays: " + arrays.keySet());
    }
    RaidArray a = arrays.get(name);
    if (a == null) {
      throw DwException.notFound("no array '" + name + "'; arrays: " + arrays.keySet());
    }
    return a;
  }

  @Override
  public Health health() {
    Map<String, Health> parts = new LinkedHashMap<>();
    arrays.forEach((name, a) -> {
      String st = a.status().state();
      Health h = switch (st) {
        case "optimal" -> Health.up(st);
        case "failed" -> Health.down("array " + name + " has lost more disks than it tolerates");
        default -> Health.degraded("array " + name + " is " + st);
      };
      parts.put(name, h);
    });
    return Health.aggregate(arrays.size() + " arrays", parts);
  }

  @Override
  public void stop() throws Exception {
    stopping = true;
    for (Subscription s : subscriptions) {
      s.close();
    }
    subscriptions.clear();
    for (RaidArray a : arrays.values()) {
      a.cancelRebuild();
    }
    for (Thread t : rebuilds.values()) {
      t.join(Duration.ofSeconds(30));
    }
    List<Exception> errors = new ArrayList<>();
    for (RaidArray a : arrays.values()) {
      try {
        a.close();
      } catch (RuntimeException e) {
        errors.add(e);
      }
    }
    arrays.clear();
    if (!errors.isEmpty()) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "raid: closing " + errors.size() + " arrays failed: " + errors.get(0).getMessage(), errors.get(0));
    }
  }
}
