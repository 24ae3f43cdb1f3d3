package io.datawarehouse.streaming.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.io.FramedFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A consistent cut of a pipeline, taken on its task thread between two records: the source
 * position of the next record, the watermark state, the position of every sink that can rewind,
 * and the keyed state of every window operator.
 *
 * <p>On disk: {@code <stateDir>/checkpoint}, a {@link FramedFile} (magic {@code DWCP}, version 1)
 * replaced atomically, so a crash leaves either the previous or the new checkpoint. Body:
 *
 * <pre>
 *   utf   pipeline name
 *   utf   graph fingerprint (the steps' names in order)
 *   long  checkpoint id (1, 2, ...)
 *   long  taken at, epoch ms
 *   long  source position
 *   long  max event time seen, long watermark
 *   int   n, then n x (utf sink name, long position)
 *   int   n, then n x (utf operator name, int length, state bytes)
 * </pre>
 *
 * @param pipeline the pipeline's name
 * @param fingerprint the graph's fingerprint
 * @param id sequence number of the checkpoint
 * @param takenAt when, epoch ms
 * @param sourcePosition the source's position
 * @param maxEventTime highest event time seen
 * @param watermark the watermark
 * @param sinkPositions positions of rewindable sinks by name
 * @param states operator states by name
 */
public record Checkpoint(
    String pipeline,
    String fingerprint,
    long id,
    long takenAt,
    long sourcePosition,
    long maxEventTime,
    long watermark,
    Map<String, Long> sinkPositions,
    Map<String, byte[]> states) {

  static final int MAGIC = FramedFile.magic("DWCP");
  static final int VERSION = 1;
  static final String FILE = "checkpoint";

  /** Writes this checkpoint to {@code dir} atomically and durably. */
  void write(Path dir) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(pipeline);
      out.writeUTF(fingerprint);
      out.writeLong(id);
      out.writeLong(takenAt);
      out.writeLong(sourcePosition);
      out.writeLong(maxEventTime);
      out.writeLong(watermark);
      out.writeInt(sinkPositions.size());
      for (Map.Entry<String, Long> e : sinkPositions.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
      out.writeInt(states.size());
      for (Map.Entry<String, byte[]> e : states.entrySet()) {
        out.writeUTF(e.getKey());
        StateIo.writeBytes(out, e.getValue());
      }
    } catch (IOException e) {
      throw DwException.internal("cannot serialise the checkpoint of pipeline '" + pipeline + "'", e);
    }
    FramedFile.write(dir.resolve(FILE), MAGIC, VERSION, bytes.toByteArray());
  }

  /**
   * The checkpoint in {@code dir}, or null when there is none.
   *
   * @throws DwException INTEGRITY naming the file when it is corrupt
   */
  static Checkpoint read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    byte[] body = FramedFile.read(file, MAGIC, VERSION, VERSION).body();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      String pipeline = in.readUTF();
      String fingerprint = in.readUTF();
      long id = in.readLong();
      long takenAt = in.readLong();
      long position = in.readLong();
      long maxTs = in.readLong();
      long wm = in.readLong();
      Map<String, Long> sinks = new LinkedHashMap<>();
      int n = StateIo.count(in, "sinks");
      for (int i = 0; i < n; i++) {
        sinks.put(in.readUTF(), in.readLong());
      }
      Map<String, byte[]> states = new LinkedHashMap<>();
      n = StateIo.count(in, "states");
      for (int i = 0; i < n; i++) {
        states.put(in.readUTF(), StateIo.readBytes(in));
      }
      if (in.available() != 0) {
        throw new IOException(in.available() + " unexpected bytes after the last state");
      }
      return new Checkpoint(pipeline, fingerprint, id, takenAt, position, maxTs, wm, sinks, states);
    } catch (IOException e) {
      throw DwException.integrity(file + ": malformed checkpoint body: " + e.getMessage(), e);
    }
  }
}
