package io.datawarehouse.streaming;

/** A test event: a key, an event time, a value and an id. */
public record Event(String key, long ts, double value, int id) {

  public static Event of(String key, long ts) {
    return new Event(key, ts, 1.0, 0);
  }

  public static Event of(String key, long ts, double value) {
    return new Event(key, ts, value, 0);
  }
}
