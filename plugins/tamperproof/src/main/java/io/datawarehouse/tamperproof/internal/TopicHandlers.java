package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.tamperproof.Caller;
import io.datawarehouse.tamperproof.RecordInfo;
import io.datawarehouse.tamperproof.RetentionMode;
import io.datawarehouse.tamperproof.TamperProofConfig;
import io.datawarehouse.tamperproof.TamperProofStore;
import io.datawarehouse.tamperproof.WriteOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The plugin's request topics: JSON in, JSON out, errors as error replies with the store's codes.
 * The payloads are documented in the plugin's README; the records here are their exact shape
 * (unknown fields are INVALID_ARGUMENT).
 *
 * <p>Record bytes travel base64 in {@code content} while they fit the bus's payload limit; larger
 * ones move by path ({@code sourcePath}, {@code targetPath}) relative to {@code
 * tamperproof.transferDir}, the only directory the plugin reads from or writes to on a request's
 * behalf. The caller is {@code actor} (default {@code anonymous}) with the permissions the
 * configuration grants it.
 */
public final class TopicHandlers {
  /** Largest record returned inline by {@code tamperproof.read}. */
  public static final int INLINE_MAX = 512 * 1024;

  /** {@code tamperproof.write}. */
  public record WriteRequest(String namespace, String id, String content, String sourcePath, String contentType,
      Map<String, String> metadata, String mode, Integer retainDays, Instant retainUntil, Boolean legalHold, String actor) {}

  /** {@code tamperproof.read}. */
  public record ReadRequest(String id, Boolean audit, String reason, String targetPath, String actor) {}

  /** The reply of {@code tamperproof.read}. */
  public record ReadReply(RecordInfo record, String content, String targetPath, Long auditEntry) {}

  /** {@code tamperproof.hold}. */
  public record HoldRequest(String id, Boolean on, String actor, String reason) {}

  /** {@code tamperproof.extend}. */
  public record ExtendRequest(String id, Integer retainDays, Instant retainUntil, String mode, String actor, String reason) {}

  /** {@code tamperproof.delete}. */
  public record DeleteRequest(String id, String actor, String reason) {}

  /** {@code tamperproof.proof} and {@code tamperproof.verify}. */
  public record IdRequest(String id) {}

  private final TamperProofStore store;
  private final TamperProofConfig config;
  private final Path transferDir;

  public TopicHandlers(TamperProofStore store, TamperProofConfig config, Path transferDir) {
    this.store = store;
    this.config = config;
    this.transferDir = transferDir == null ? null : transferDir.toAbsolutePath().normalize();
  }

  /** Subscribes every topic (queue group {@code tamperproof}, so several nodes share the work). */
  public List<Subscription> subscribe(MessageBus bus) {
    List<Subscription> subs = new ArrayList<>();
    subs.add(on(bus, "tamperproof.write", WriteRequest.class, this::write));
    subs.add(on(bus, "tamperproof.read", ReadRequest.class, this::read));
    subs.add(on(bus, "tamperproof.hold", HoldRequest.class, this::hold));
    subs.add(on(bus, "tamperproof.extend", ExtendRequest.class, this::extend));
    subs.add(on(bus, "tamperproof.delete", DeleteRequest.class, this::delete));
    subs.add(on(bus, "tamperproof.proof", IdRequest.class, r -> store.proof(required(r.id(), "id"))));
    subs.add(on(bus, "tamperproof.verify", IdRequest.class, r -> r == null || r.id() == null ? store.scan(null) : store.verify(r.id())));
    return subs;
  }

  private static <Q> Subscription on(MessageBus bus, String topic, Class<Q> type, Function<Q, Object> fn) {
    MessageHandler h = m -> {
      Q q = m.payload().length == 0 ? null : m.json(type);
      return Message.replyTo(m).json(fn.apply(q)).build();
    };
    return bus.subscribe(topic, SubscribeOptions.group("tamperproof").withName(topic), h);
  }

  private Object write(WriteRequest q) {
    requireBody(q);
    WriteOptions o = WriteOptions.in(required(q.namespace(), "namespace"))
        .withId(q.id())
        .withMode(q.mode() == null ? null : RetentionMode.parse(q.mode()))
        .withLegalHold(Boolean.TRUE.equals(q.legalHold()))
        .withContentType(q.contentType())
        .withMetadata(q.metadata());
    if (q.retainDays() != null && q.retainUntil() != null) {
      throw DwException.invalidArgument("give retainDays or retainUntil, not both");
    }
    if (q.retainDays() != null) {
      if (q.retainDays() < 1) {
        throw DwException.invalidArgument("retainDays must be at least 1, was " + q.retainDays());
      }
      o = o.withRetention(Duration.ofDays(q.retainDays()));
    } else if (q.retainUntil() != null) {
      o = o.withRetainUntil(q.retainUntil());
    }
    if ((q.content() == null) == (q.sourcePath() == null)) {
      throw DwException.invalidArgument("give the record's bytes as content (base64) or sourcePath, exactly one");
    }
    Caller caller = caller(q.actor());
    if (q.content() != null) {
      return store.write(decode(q.content()), o, caller);
    }
    try (InputStream in = Files.newInputStream(transfer(q.sourcePath()))) {
      return store.write(in, o, caller);
    } catch (IOException e) {
      throw DwException.of(ErrorCode.NOT_FOUND, "cannot read sourcePath '" + q.sourcePath() + "': " + e.getMessage(), e);
    }
  }

  private Object read(ReadRequest q) {
    requireBody(q);
    String id = required(q.id(), "id");
    if (q.targetPath() != null) {
      if (Boolean.TRUE.equals(q.audit())) {
        throw DwException.invalidArgument("audited reads are returned inline; leave targetPath out");
      }
      Path target = transfer(q.targetPath());
      return new ReadReply(store.readTo(id, target), null, q.targetPath(), null);
    }
    RecordInfo info = store.info(id);
    if (info.exists() && info.size() > INLINE_MAX) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "record " + id + " has " + info.size() + " bytes, more than "
          + INLINE_MAX + " returned inline: ask for it with targetPath");
    }
    if (Boolean.TRUE.equals(q.audit())) {
      TamperProofStore.AuditedRead r = store.readAudited(id, caller(q.actor()), q.reason());
      return new ReadReply(r.record(), Base64.getEncoder().encodeToString(r.content()), null, r.ledgerIndex());
    }
    byte[] content = store.read(id);
    return new ReadReply(store.info(id), Base64.getEncoder().encodeToString(content), null, null);
  }

  private Object hold(HoldRequest q) {
    requireBody(q);
    if (q.on() == null) {
      throw DwException.invalidArgument("field 'on' is required: true places a legal hold, false removes it");
    }
    return store.hold(required(q.id(), "id"), q.on(), caller(q.actor()), q.reason());
  }

  private Object extend(ExtendRequest q) {
    requireBody(q);
    String id = required(q.id(), "id");
    Instant until;
    if (q.retainDays() != null && q.retainUntil() == null) {
      until = store.trustedNow().plus(Duration.ofDays(q.retainDays()));
    } else if (q.retainUntil() != null && q.retainDays() == null) {
      until = q.retainUntil();
    } else {
      throw DwException.invalidArgument("give retainDays or retainUntil, exactly one");
    }
    return store.extend(id, until, q.mode() == null ? null : RetentionMode.parse(q.mode()), caller(q.actor()), q.reason());
  }

  private Object delete(DeleteRequest q) {
    requireBody(q);
    return store.delete(required(q.id(), "id"), caller(q.actor()), q.reason());
  }

  private Caller caller(String actor) {
    return config.caller(actor == null || actor.isBlank() ? "anonymous" : actor);
  }

  /** A path inside the transfer directory; INVALID_ARGUMENT for anything else. */
  private Path transfer(String relative) {
    if (transferDir == null) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "sourcePath and targetPath need tamperproof.transferDir to be set "
          + "(the one directory the plugin reads and writes for requests)");
    }
    Path p = transferDir.resolve(relative).toAbsolutePath().normalize();
    if (!p.startsWith(transferDir) || p.equals(transferDir)) {
      throw DwException.invalidArgument("path '" + relative + "' is outside tamperproof.transferDir (" + transferDir + ")");
    }
    return p;
  }

  private static byte[] decode(String base64) {
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw DwException.invalidArgument("content is not base64: " + e.getMessage());
    }
  }

  private static void requireBody(Object q) {
    if (q == null) {
      throw DwException.invalidArgument("the request needs a JSON body");
    }
  }

  private static String required(String v, String field) {
    if (v == null || v.isBlank()) {
      throw DwException.invalidArgument("field '" + field + "' is required");
    }
    return v;
  }
}
