package io.datawarehouse.dataprotection.internal;

import io.datawarehouse.dataprotection.BackupRepository;
import io.datawarehouse.dataprotection.BackupType;
import io.datawarehouse.dataprotection.RestoreResult;
import io.datawarehouse.dataprotection.RetentionPolicy;
import io.datawarehouse.dataprotection.Snapshot;
import io.datawarehouse.dataprotection.ValidationReport;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.Time;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.config.Secret;
import io.datawarehouse.sdk.config.Durations;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The plugin's request topics: JSON in, JSON out, errors as error replies with their codes. The
 * records here are the exact payloads (unknown fields are INVALID_ARGUMENT); the README documents
 * them. Progress (at most one report a second per operation) and a result event per finished
 * operation go to the events topic, with header {@code dw-event} ({@code progress},
 * {@code backup.done}, {@code restore.done}, {@code validate.done}, {@code forget.done}).
 */
public final class TopicHandlers {
  /** {@code dataprotection.backup}. */
  public record BackupRequest(List<String> paths, String type, List<String> tags) {}

  /** {@code dataprotection.restore}. */
  public record RestoreRequest(String snapshot, String target, List<String> paths) {}

  /** {@code dataprotection.validate}. */
  public record ValidateRequest(Boolean readData, Boolean testRestore) {}

  /** {@code dataprotection.list}: no fields. */
  public record ListRequest() {}

  /** {@code dataprotection.forget}. */
  public record ForgetRequest(Integer keepLast, Integer keepHourly, Integer keepDaily, Integer keepWeekly,
      Integer keepMonthly, Integer keepYearly, List<String> keepTags, String keepWithin, Boolean dryRun, Boolean prune) {}

  /** The reply of {@code dataprotection.forget}. */
  public record ForgetReply(List<RetentionPolicy.Decision> decisions, Object prune) {}

  private final Path repo;
  private final Secret passphrase;
  private final Time time;
  private final MessageBus bus;
  private final String events;
  private volatile String lastValidationProblem;

  public TopicHandlers(Path repo, Secret passphrase, Time time, MessageBus bus, String events) {
    this.repo = repo;
    this.passphrase = passphrase;
    this.time = time;
    this.bus = bus;
    this.events = events;
  }

  /** The repository served. */
  public Path repository() {
    return repo;
  }

  /** The first problem of the latest validation that found any, or null. */
  public String lastValidationProblem() {
    return lastValidationProblem;
  }

  /** Subscribes every topic (queue group {@code dataprotection}). */
  public List<Subscription> subscribe() {
    List<Subscription> subs = new ArrayList<>();
    subs.add(on("dataprotection.backup", BackupRequest.class, this::backup));
    subs.add(on("dataprotection.restore", RestoreRequest.class, this::restore));
    subs.add(on("dataprotection.validate", ValidateRequest.class, this::validate));
    subs.add(on("dataprotection.list", ListRequest.class, q -> withRepo(BackupRepository::snapshots)));
    subs.add(on("dataprotection.forget", ForgetRequest.class, this::forget));
    return subs;
  }

  private <Q> Subscription on(String topic, Class<Q> type, Function<Q, Object> fn) {
    MessageHandler h = m -> {
      Q q = m.payload().length == 0 ? null : m.json(type);
      return Message.replyTo(m).json(fn.apply(q)).build();
    };
    return bus.subscribe(topic, SubscribeOptions.group("dataprotection").withName(topic), h);
  }

  private <T> T withRepo(Function<BackupRepository, T> fn) {
    if (passphrase == null) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION,
          "the dataprotection plugin has no passphrase (set dataprotection.passphrase or DW_DATAPROTECTION_PASSPHRASE)");
    }
    try (BackupRepository r = BackupRepository.open(repo, passphrase, time)) {
      return fn.apply(r);
    }
  }

  private Progress.Listener progress() {
    long[] last = {Long.MIN_VALUE};
    Progress.Listener pub = Progress.Listener.publishing(bus, events);
    return p -> {
      long now = time.nanoTime();
      if (p.finished() || last[0] == Long.MIN_VALUE || now - last[0] >= 1_000_000_000L) {
        last[0] = now;
        pub.onProgress(p);
      }
    };
  }

  private void event(String kind, Object body) {
    try {
      bus.publish(Message.builder(events).json(Map.of("event", kind, "result", body)).header("dw-event", kind).build());
    } catch (DwException e) {
      // events are best effort; the reply carries the result
    }
  }

  private Object backup(BackupRequest q) {
    if (q == null || q.paths() == null || q.paths().isEmpty()) {
      throw DwException.invalidArgument("give 'paths': the files or directories to back up");
    }
    BackupType type = q.type() == null ? BackupType.INCREMENTAL : BackupType.parse(q.type());
    Snapshot.Summary s = withRepo(r -> r.backup(q.paths().stream().map(Path::of).toList(), type,
        q.tags() == null ? List.of() : q.tags(), progress()).summary());
    event("backup.done", s);
    return s;
  }

  private Object restore(RestoreRequest q) {
    if (q == null || q.snapshot() == null || q.target() == null) {
      throw DwException.invalidArgument("give 'snapshot' (an id, a unique prefix or latest) and 'target' (a directory)");
    }
    RestoreResult r = withRepo(repo -> repo.restore(q.snapshot(), Path.of(q.target()), q.paths() == null ? List.of() : q.paths(),
        progress()));
    event("restore.done", r);
    return r;
  }

  private Object validate(ValidateRequest q) {
    boolean readData = q != null && Boolean.TRUE.equals(q.readData());
    boolean testRestore = q != null && Boolean.TRUE.equals(q.testRestore());
    ValidationReport r = withRepo(repo -> repo.validate(readData, testRestore, progress()));
    lastValidationProblem = r.ok() ? null : r.problems().get(0).object() + ": " + r.problems().get(0).message();
    event("validate.done", r);
    return r;
  }

  private Object forget(ForgetRequest q) {
    if (q == null) {
      throw DwException.invalidArgument("give at least one keep rule (keepLast, keepDaily, ...)");
    }
    RetentionPolicy p = new RetentionPolicy(n(q.keepLast()), n(q.keepHourly()), n(q.keepDaily()), n(q.keepWeekly()),
        n(q.keepMonthly()), n(q.keepYearly()), q.keepTags(), q.keepWithin() == null ? null : Durations.parse(q.keepWithin()));
    boolean dry = Boolean.TRUE.equals(q.dryRun());
    ForgetReply reply = withRepo(r -> {
      List<RetentionPolicy.Decision> d = r.forget(p, dry, ZoneId.systemDefault());
      return new ForgetReply(d, Boolean.TRUE.equals(q.prune()) && !dry ? r.prune(progress()) : null);
    });
    event("forget.done", reply);
    return reply;
  }

  private static int n(Integer i) {
    return i == null ? 0 : i;
  }
}
