package io.datawarehouse.streaming.internal;

import io.datawarehouse.streaming.Aggregation;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.DropReason;
import io.datawarehouse.streaming.WindowResult;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Function;

/**
 * Session windows: per key, a record at {@code t} opens the window {@code [t, t + gap)}, and
 * windows that overlap merge into one (their accumulators merged). Windows that only touch do not
 * merge: a record exactly {@code gap} after the last one starts a new session. (Merging touching
 * windows, as Flink does, would let an on-time record reopen a session that has already fired at
 * watermark {@code end - 1}; with strict overlap an on-time record never lands in a fired session.)
 *
 * <p>Design: each key has a list of its sessions sorted by start (few at a time). Firing and
 * purging are driven by a priority queue of timers ({@code end - 1} to fire, {@code end - 1 + L} to
 * purge); a timer whose session has merged away is stale and skipped (lazy deletion). A merged
 * session keeps the highest emission count of its parts, so its next result is an update when any
 * part was emitted before.
 */
final class SessionWindowOperator extends Operators.Forwarding implements Stateful {
  private final Function<Object, Object> keyOf;
  private final Codec<Object> keyCodec;
  private final Aggregation<Object, Object, Object> agg;
  private final long gap;
  private final long lateness;

  private final HashMap<Object, List<Session>> sessions = new HashMap<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private long watermark = Long.MIN_VALUE;

  private static final class Session {
    long start;
    long end;
    Object acc;
    int emitted;
    boolean fired;

    Session(long start, long end, Object acc) {
      this.start = start;
      this.end = end;
      this.acc = acc;
    }
  }

  private record Timer(long time, Object key, Session session, boolean purge) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      return Long.compare(time, o.time);
    }
  }

  SessionWindowOperator(String name, TaskContext ctx, Downstream<Object> next, Function<Object, Object> keyOf,
      Codec<Object> keyCodec, Aggregation<Object, Object, Object> agg, long gap, long lateness) {
    super(name, ctx, next);
    this.keyOf = keyOf;
    this.keyCodec = keyCodec;
    this.agg = agg;
    this.gap = gap;
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
    long start = ts;
    long end = Saturating.add(ts, gap);
    List<Session> list = sessions.get(key);
    List<Session> merging = new ArrayList<>(2);
    if (list != null) {
      for (Session s : list) {
        if (s.start < end && s.end > start) {
          merging.add(s);
          start = Math.min(start, s.start);
          end = Math.max(end, s.end);
        }
      }
    }
    if (Saturating.add(end - 1, lateness) <= watermark) {
      ctx.deadLetter(name, DropReason.TOO_LATE, "event time " + ts + " is in session [" + start + ", " + end
          + ") which closed at watermark " + (end - 1) + " with allowed lateness " + lateness
          + "ms; the watermark is " + watermark, start, end, watermark, 1, ts, value);
      return;
    }
    if (list == null) {
      list = new ArrayList<>(2);
      sessions.put(key, list);
    }
    Session merged;
    if (merging.isEmpty()) {
      merged = new Session(start, end, agg.createAccumulator());
      insertSorted(list, merged);
    } else {
      merged = merging.get(0);
      for (int i = 1; i < merging.size(); i++) {
        Session other = merging.get(i);
        merged.acc = agg.merge(merged.acc, other.acc);
        merged.emitted = Math.max(merged.emitted, other.emitted);
        list.remove(other);
      }
      merged.start = start;
      merged.end = end;
      merged.fired = false;
    }
    merged.acc = agg.add(merged.acc, value);
    if (end - 1 <= watermark) {
      fire(key, merged);
    } else {
      timers.add(new Timer(end - 1, key, merged, false));
    }
  }

  private static void insertSorted(List<Session> list, Session s) {
    int i = 0;
    while (i < list.size() && list.get(i).start < s.start) {
      i++;
    }
    list.add(i, s);
  }

  private void fire(Object key, Session s) {
    s.fired = true;
    next.accept(new WindowResult<>(key, s.start, s.end, agg.result(s.acc), s.emitted++), s.end - 1);
    timers.add(new Timer(Saturating.add(s.end - 1, lateness), key, s, true));
  }

  @Override
  public void watermark(long wm) {
    watermark = wm;
    Timer t;
    while ((t = timers.peek()) != null && t.time <= wm) {
      timers.poll();
      Session s = t.session;
      List<Session> list = sessions.get(t.key);
      if (list == null || !containsIdentity(list, s)) {
        continue; // merged away
      }
      if (!t.purge) {
        if (s.end - 1 == t.time && !s.fired) {
          fire(t.key, s);
        }
      } else if (s.fired && Saturating.add(s.end - 1, lateness) == t.time) {
        list.remove(s);
        if (list.isEmpty()) {
          sessions.remove(t.key);
        }
      }
    }
    next.watermark(wm);
  }

  private static boolean containsIdentity(List<Session> list, Session s) {
    for (Session x : list) {
      if (x == s) {
        return true;
      }
    }
    return false;
  }


  @Override
  public void snapshot(DataOutputStream out) throws IOException {
    out.writeInt(sessions.size());
    for (Map.Entry<Object, List<Session>> e : sessions.entrySet()) {
      StateIo.writeBytes(out, keyCodec.encode(e.getKey()));
      out.writeInt(e.getValue().size());
      for (Session s : e.getValue()) {
        out.writeLong(s.start);
        out.writeLong(s.end);
        out.writeInt(s.emitted);
        out.writeBoolean(s.fired);
        StateIo.writeBytes(out, agg.accumulatorCodec().encode(s.acc));
      }
    }
  }

  @Override
  public void restore(DataInputStream in, long wm) throws IOException {
    sessions.clear();
    timers.clear();
    watermark = wm;
    int keys = StateIo.count(in, "keys");
    for (int i = 0; i < keys; i++) {
      Object key = keyCodec.decode(StateIo.readBytes(in));
      int n = StateIo.count(in, "sessions");
      List<Session> list = new ArrayList<>(n);
      for (int j = 0; j < n; j++) {
        long start = in.readLong();
        long end = in.readLong();
        int emitted = in.readInt();
        boolean fired = in.readBoolean();
        Session s = new Session(start, end, agg.accumulatorCodec().decode(StateIo.readBytes(in)));
        s.emitted = emitted;
        s.fired = fired;
        list.add(s);
        timers.add(fired ? new Timer(Saturating.add(end - 1, lateness), key, s, true)
            : new Timer(end - 1, key, s, false));
      }
      sessions.put(key, list);
    }
  }
}
