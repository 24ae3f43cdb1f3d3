package io.datawarehouse.raid.internal.replication;

import io.datawarehouse.raid.RaidArray;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.Progress;
import io.datawarehouse.sdk.bus.MessageBus;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Ships a snapshot image over {@code replication.snapshot.send}: the whole point-in-time image, in
 * chunks of at most {@code chunkSize} bytes, one request at a time, each with its CRC32C; the last
 * carries the SHA-256 of the image. A chunk the receiver rejects fails the transfer.
 */
public final class SnapshotSender {
  /** The topic the receiver listens on (fixed, see ARCHITECTURE.md). */
  public static final String TOPIC = "replication.snapshot.send";

  private SnapshotSender() {}

  /** Sends snapshot {@code name} of {@code array}; returns the receiver's final acknowledgement. */
  public static SnapshotChunk.Ack send(MessageBus bus, RaidArray array, String name, int chunkSize, Duration timeout, Progress.Listener progress, Instant started) {
    long capacity = array.capacity();
    String transfer = UUID.randomUUID().toString();
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw DwException.internal("SHA-256 is not available", e);
    }
    SnapshotChunk.Ack ack = null;
    for (long pos = 0; pos < capacity || pos == 0; ) {
      int n = (int) Math.min(chunkSize, capacity - pos);
      byte[] data = array.snapshotRead(name, pos, n);
      md.update(data);
      CRC32C crc = new CRC32C();
      crc.update(data);
      boolean last = pos + n >= capacity;
      SnapshotChunk chunk = new SnapshotChunk(transfer, array.id(), name, capacity, array.blockSize(), pos,
          Base64.getEncoder().encodeToString(data), (int) crc.getValue(), last, last ? HexFormat.of().formatHex(md.digest()) : null);
      ack = bus.requestJson(TOPIC, chunk, SnapshotChunk.Ack.class, timeout);
      if (ack.received() != pos + n) {
        throw DwException.integrity("snapshot transfer " + transfer + ": the receiver has " + ack.received() + " bytes, expected " + (pos + n));
      }
      pos += n;
      progress.onProgress(new Progress("send snapshot " + name, pos, capacity, "bytes", started, last, null));
      if (last) {
        break;
      }
    }
    return ack;
  }
}
