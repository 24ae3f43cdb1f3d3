package io.datawarehouse.tamperproof.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.tamperproof.RecordInfo;
import io.datawarehouse.tamperproof.RetentionMode;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

/**
 * A remote WORM copy written by the storage plugin: the record's bytes go over the bus to {@code
 * storage.write.worm} with its retention mode, retain-until date and legal hold, which the storage
 * plugin maps to S3 Object Lock or Azure immutability; {@code storage.read} fetches them back for
 * repairs. The local file-based copy stays the primary one; this is the second, off-machine copy.
 *
 * <p>Payloads, as the storage plugin documents them (its README): content moves base64 in chunks of
 * at most 512 KiB (the bus carries at most 1 MiB):
 *
 * <pre>
 * storage.write.worm  {store, key, contentBase64, contentType?, metadata?, expectedSha256,
 *                      retention: {mode, retainUntil}, legalHold, upload?: {id, chunk, last}}
 *                     upload only when the content takes more than one chunk; the last chunk
 *                     stores the object, checked against expectedSha256
 * storage.write.worm  {store, key, action: "legalHold", legalHold}            the hold of an existing copy
 * storage.write.worm  {store, key, action: "extend", retention: {mode, retainUntil}}   its retention
 * storage.write.worm  {store, key, action: "shorten", retention: {mode: GOVERNANCE, retainUntil},
 *                      bypassGovernanceRetention: true}   a governance retention shortened here
 * storage.write.worm  {store, key, action: "state"} -> {store, key, mode, retainUntil, legalHold}
 * storage.read        {store, key, offset, length} -> {contentBase64, eof, nextOffset, ...}
 * storage.stat        {store, key} -> Info (NOT_FOUND also proves the storage plugin answers)
 * </pre>
 *
 * An existing object (ALREADY_EXISTS or RETENTION_LOCKED on write) counts as written: the key names
 * one record and records are written once, so a retry after a lost reply must succeed; {@link
 * Copy#existed()} tells the caller, as that object has the hold and retention of the earlier attempt. The part
 * that completes the upload is sent only after the local bytes verified against the ledger, so a
 * damaged local copy is never made permanent remotely. Setting a hold the copy has changes nothing,
 * and an extension the remote refuses (RETENTION_LOCKED) counts as done when the copy's state shows
 * it retained at least that long and that strictly, so hold and retention changes may be repeated.
 *
 * <p>Thread-safe.
 */
public abstract class DelegatedWormStorage implements RemoteWormTarget {
  public static final String WRITE_TOPIC = "storage.write.worm";
  public static final String READ_TOPIC = "storage.read";
  public static final String STAT_TOPIC = "storage.stat";
  /** Bytes of content per message. */
  public static final int PART = 512 * 1024;

  /** One chunk of a WORM write. */
  public record WormWrite(String store, String key, String contentBase64, String contentType, Map<String, String> metadata,
      String expectedSha256, Retention retention, boolean legalHold, Upload upload) {}

  /** A retention as the storage plugin takes it. */
  public record Retention(String mode, Instant retainUntil) {}

  /** Where a chunk belongs in a chunked upload. */
  public record Upload(String id, int chunk, boolean last) {}

  /**
   * A change of an existing object's WORM state: {@code action} legalHold, extend, shorten (with
   * {@code bypassGovernanceRetention}) or state.
   */
  public record WormChange(String store, String key, String action, Retention retention, Boolean legalHold,
      Boolean bypassGovernanceRetention) {
    WormChange(String store, String key, String action, Retention retention, Boolean legalHold) {
      this(store, key, action, retention, legalHold, null);
    }
  }

  /** A ranged read. */
  public record ReadRequest(String store, String key, long offset, int length) {}

  /** A stat of one key. */
  public record StatRequest(String store, String key) {}

  private final MessageBus bus;
  private final String store;
  private final Duration timeout;
  private final RecordFiles files;

  protected DelegatedWormStorage(MessageBus bus, String store, Duration timeout, RecordFiles files) {
    this.bus = bus;
    this.store = store;
    this.timeout = timeout;
    this.files = files;
  }

  /** The remote key of a record: {@code tamperproof/<namespace>/<id>}, checked by the provider's rules. */
  public String key(RecordInfo r) {
    String key = "tamperproof/" + r.namespace() + "/" + r.id();
    checkKey(key);
    return key;
  }

  /** Throws INVALID_ARGUMENT when the provider cannot store an object under {@code key}. */
  protected abstract void checkKey(String key);

  @Override
  public Copy copy(RecordInfo r) throws Exception {
    String key = key(r);
    int parts = (int) Math.max(1, (r.size() + PART - 1) / PART);
    // a fresh upload per attempt: a retry after a lost reply starts over, and its last chunk finds the
    // object stored (RETENTION_LOCKED), which counts as written
    String uploadId = r.id() + "-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
    PartSender sender = new PartSender(r, key, uploadId, parts);
    RecordFiles.Digest d = files.read(r.id(), sender);
    if (!d.sha256().equals(r.sha256()) || d.size() != r.size()) {
      throw DwException.integrity("record " + r.id() + ": the local copy hashes to " + d.sha256() + ", the ledger says "
          + r.sha256() + "; its remote copy was not completed");
    }
    sender.finish(); // ALREADY_EXISTS and RETENTION_LOCKED: an earlier attempt stored it (sender.alreadyThere)
    return new Copy(store + "/" + key, sender.alreadyThere);
  }

  @Override
  public String setLegalHold(RecordInfo r, boolean on) {
    String key = key(r);
    request(new WormChange(store, key, "legalHold", null, on));
    return store + "/" + key;
  }

  @Override
  public String extendRetention(RecordInfo r, RetentionMode mode, Instant until) {
    String key = key(r);
    try {
      request(new WormChange(store, key, "extend", new Retention(mode.name(), until), null));
    } catch (DwException e) {
      if (e.code() != ErrorCode.RETENTION_LOCKED) {
        throw e;
      }
      // the remote retains it longer or more strictly already? (a repeat, or a governance retention
      // shortened here, which the remote keeps): then it has what the record needs
      JsonNode st = request(new WormChange(store, key, "state", null, null)).jsonTree();
      String remoteMode = st.path("mode").asText("");
      Instant remoteUntil = st.path("retainUntil").isTextual() ? Instant.parse(st.path("retainUntil").asText()) : null;
      boolean atLeast = remoteUntil != null && !remoteUntil.isBefore(until)
          && (mode == RetentionMode.GOVERNANCE || RetentionMode.COMPLIANCE.name().equals(remoteMode));
      if (!atLeast) {
        throw DwException.of(ErrorCode.RETENTION_LOCKED, "the remote copy of record " + r.id() + " (" + key + ") refuses "
            + mode + " retention until " + until + " while it has " + (remoteMode.isEmpty() ? "none" : remoteMode)
            + " until " + remoteUntil + ": " + e.getMessage(), e);
      }
    }
    return store + "/" + key;
  }

  @Override
  public String shortenRetention(RecordInfo r, Instant until) {
    String key = key(r);
    request(new WormChange(store, key, RemoteChange.SHORTEN, new Retention(RetentionMode.GOVERNANCE.name(), until), null, true));
    return store + "/" + key;
  }

  /** Sends full parts as they fill, keeping the last one until the local bytes verified. */
  private final class PartSender extends OutputStream {
    private final RecordInfo r;
    private final String key;
    private final String uploadId;
    private final int parts;
    private final byte[] buf = new byte[PART];
    private int fill;
    private int part;
    private boolean alreadyThere;

    PartSender(RecordInfo r, String key, String uploadId, int parts) {
      this.r = r;
      this.key = key;
      this.uploadId = uploadId;
      this.parts = parts;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (fill == PART) {
          send(false);
        }
        int n = Math.min(len, PART - fill);
        System.arraycopy(b, off, buf, fill, n);
        fill += n;
        off += n;
        len -= n;
      }
    }

    void finish() {
      send(true);
    }

    private void send(boolean last) {
      if (!alreadyThere) {
        try {
          request(new WormWrite(store, key, Base64.getEncoder().encodeToString(Arrays.copyOf(buf, fill)), r.contentType(),
              r.metadata().isEmpty() ? null : r.metadata(), r.sha256(), new Retention(r.mode().name(), r.retainUntil()),
              r.legalHold(), parts == 1 ? null : new Upload(uploadId, part, last)));
        } catch (DwException e) {
          if (e.code() == ErrorCode.ALREADY_EXISTS || e.code() == ErrorCode.RETENTION_LOCKED) {
            alreadyThere = true; // a retry of a write that reached the remote before
          } else {
            throw e;
          }
        }
      }
      part++;
      fill = 0;
      if (!last && part >= parts) {
        throw DwException.internal("record " + r.id() + " has more bytes than its " + r.size() + " recorded", null);
      }
    }
  }

  @Override
  public void fetch(RecordInfo r, OutputStream out) throws Exception {
    String key = key(r);
    long offset = 0;
    while (true) {
      int length = (int) Math.max(1, Math.min(PART, r.size() - offset));
      JsonNode reply = request(new ReadRequest(store, key, offset, length)).jsonTree();
      byte[] content = Base64.getDecoder().decode(reply.path("contentBase64").asText(""));
      out.write(content);
      offset += content.length;
      if (reply.path("eof").asBoolean(false) || offset >= r.size()) {
        break;
      }
      if (content.length == 0) {
        throw DwException.integrity("the remote copy of record " + r.id() + " (" + key + ") ends at " + offset + " of "
            + r.size() + " bytes");
      }
      offset = reply.path("nextOffset").asLong(offset);
    }
  }

  @Override
  public void probe() {
    try {
      request(new StatRequest(store, "tamperproof/.probe"));
    } catch (DwException e) {
      if (e.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
    }
  }

  private Message request(Object body) {
    String topic = body instanceof WormWrite || body instanceof WormChange ? WRITE_TOPIC : body instanceof ReadRequest ? READ_TOPIC : STAT_TOPIC;
    return bus.requestSync(Message.json(topic, body), timeout);
  }

  @Override
  public String toString() {
    return provider() + " WORM copies in store '" + store + "' through the storage plugin";
  }
}
