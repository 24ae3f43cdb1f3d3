package io.datawarehouse.streaming.internal;

import io.datawarehouse.streaming.Aggregation;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.DropReason;
import io.datawarehouse.streaming.WindowResult;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Tumbling and sliding windows (windows aligned to the epoch, the same for every key).
 *
 * <p>Design: windows are kept in a {@link TreeMap} by start; each holds a hash map from key to a
 * {@link Slot} (accumulator and how often it was emitted). All windows have the same size, so
 * ordering by start is ordering by end: the windows that have fired form a prefix of the map, and
 * a watermark only has to look at its head. The last window touched is cached, so a stream
 * mostly in order does one hash lookup per record.
 *
 * <p>Invariants, with {@code wm} the watermark seen so far and {@code L} the allowed lateness: a
 * window {@code [s, e)} has fired iff {@code e - 1 <= wm}, and is gone iff {@code e - 1 + L <= wm}.
 * A record whose every window is gone goes to the dead letters (TOO_LATE); a record that lands in
 * a fired window emits that key's updated result at once.
 */
final class AlignedWindowOperator extends Operators.Forwarding implements Stateful {
  private final Function<Object, Object> keyOf;
  private final Codec<Object> keyCodec;
  private final Aggregation<Object, Object, Object> agg;
  private final long size;
  private final long slide;
  private final long offset;
  private final long lateness;

  private final TreeMap<Long, Window> windows = new TreeMap<>();
  private long watermark = Long.MIN_VALUE;
  /** Smallest {@code end - 1} of a window not yet fired (MAX when none). */
  private long nextFire = Long.MAX_VALUE;
  /** Smallest {@code end - 1 + L} of a fired window (MAX when none). */
  private long nextPurge = Long.MAX_VALUE;
  private Window cached;

  private static final class Window {
    final long start;
    final long end;
    final HashMap<Object, Slot> slots = new HashMap<>();
    boolean fired;

    Window(long start, long end) {
      this.start = start;
      this.end = end;
    }
  }

  private static final class Slot {
    Object acc;
    int emitted;

    Slot(Object acc) {
      this.acc = acc;
    }
  }

  AlignedWindowOperator(String name, TaskContext ctx, Downstream<Object> next, Function<Object, Object> keyOf,
      Codec<Object> keyCodec, Aggregation<Object, Object, Object> agg, long size, long slide, long offset,
      long lateness) {
    super(name, ctx, next);
    this.keyOf = keyOf;
    this.keyCodec = keyCodec;
    this.agg = agg;
    this.size = size;
    this.slide = slide;
    this.offset = offset;
    this.lateness = lateness;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void accept(Object value, long ts) {
    Object key = ctx.keyOrDeadLetter(name, keyOf, value, ts, watermark);
    if (key == null) {
      return;
    }
    long lastStart = ts - Math.floorMod(ts - offset, slide);
    boolean accepted = false;
    // a record is in size/slide windows: the one starting at lastStart and those before it
    for (long s = lastStart; s > ts - size; s -= slide) {
      accepted |= add(s, key, value);
    }
    if (!accepted) {
      ctx.deadLetter(name, DropReason.TOO_LATE, "event time " + ts + " is in window [" + lastStart + ", "
          + (lastStart + size) + ") which closed at watermark " + (lastStart + size - 1) + " with allowed lateness "
          + lateness + "ms; the watermark is " + watermark, lastStart, lastStart + size, watermark, 1, ts, value);
    }
  }

  private boolean add(long start, Object key, Object value) {
    long end = start + size;
    if (Saturating.add(end - 1, lateness) <= watermark) {
      return false;
    }
    Window w = cached;
    if (w == null || w.start != start) {
      w = windows.get(start);
      if (w == null) {
        w = new Window(start, end);
        windows.put(start, w);
        if (end - 1 <= watermark) {
          // a late record opens a window whose time has passed: it fires with this record
          w.fired = true;
          nextPurge = Math.min(nextPurge, Saturating.add(end - 1, lateness));
        } else if (end - 1 < nextFire) {
          nextFire = end - 1;
        }
      }
      cached = w;
    }
    Slot slot = w.slots.get(key);
    if (slot == null) {
      slot = new Slot(agg.createAccumulator());
      w.slots.put(key, slot);
    }
    slot.acc = agg.add(slot.acc, value);
    if (w.fired) {
      emit(key, w, slot);
    }
    return true;
  }

  private void emit(Object key, Window w, Slot slot) {
    next.accept(new WindowResult<>(key, w.start, w.end, agg.result(slot.acc), slot.emitted++), w.end - 1);
  }

  @Override
  public void watermark(long wm) {
    watermark = wm;
    if (wm >= nextFire || wm >= nextPurge) {
      advance(wm);
    }
    next.watermark(wm);
  }

  private void advance(long wm) {
    Iterator<Window> it = windows.values().iterator();
    while (it.hasNext()) {
      Window w = it.next();
      if (w.end - 1 > wm) {
        break; // neither this window nor a later one fires or goes
      }
      if (!w.fired) {
        w.fired = true;
        for (Map.Entry<Object, Slot> e : w.slots.entrySet()) {
          emit(e.getKey(), w, e.getValue());
        }
      }
      if (Saturating.add(w.end - 1, lateness) <= wm) {
        it.remove();
        if (cached == w) {
          cached = null;
        }
      }
    }
    recomputeTimers();
  }

  private void recomputeTimers() {
    nextFire = Long.MAX_VALUE;
    nextPurge = Long.MAX_VALUE;
    for (Window w : windows.values()) {
      if (w.fired) {
        if (nextPurge == Long.MAX_VALUE) {
          nextPurge = Saturating.add(w.end - 1, lateness);
        }
      } else {
        nextFire = w.end - 1;
        break;
      }
    }
  }


  @Override
  public void snapshot(DataOutputStream out) throws IOException {
    out.writeInt(windows.size());
    for (Window w : windows.values()) {
      out.writeLong(w.start);
      out.writeBoolean(w.fired);
      out.writeInt(w.slots.size());
      for (Map.Entry<Object, Slot> e : w.slots.entrySet()) {
        StateIo.writeBytes(out, keyCodec.encode(e.getKey()));
        StateIo.writeBytes(out, agg.accumulatorCodec().encode(e.getValue().acc));
        out.writeInt(e.getValue().emitted);
      }
    }
  }

  @Override
  public void restore(DataInputStream in, long wm) throws IOException {
    windows.clear();
    cached = null;
    watermark = wm;
    int n = StateIo.count(in, "windows");
    for (int i = 0; i < n; i++) {
      long start = in.readLong();
      Window w = new Window(start, start + size);
      w.fired = in.readBoolean();
      int slots = StateIo.count(in, "keys");
      for (int j = 0; j < slots; j++) {
        Object key = keyCodec.decode(StateIo.readBytes(in));
        Slot s = new Slot(agg.accumulatorCodec().decode(StateIo.readBytes(in)));
        s.emitted = in.readInt();
        w.slots.put(key, s);
      }
      windows.put(start, w);
    }
    recomputeTimers();
  }

  /** Windows held, for tests. */
  int windowCount() {
    return windows.size();
  }
}
