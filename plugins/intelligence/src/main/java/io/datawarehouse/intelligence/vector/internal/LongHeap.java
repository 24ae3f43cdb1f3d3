package io.datawarehouse.intelligence.vector.internal;

/**
 * A binary min-heap of primitive longs, growable, never shrinking: the search queues of the HNSW
 * index encode (distance, node) into one long (see {@link #encode}), so a queue is one array and
 * comparisons are single long comparisons. Not thread-safe: one per searching thread.
 */
public final class LongHeap {
  private long[] heap;
  private int size;

  /** A heap with room for {@code initialCapacity} values before it grows. */
  public LongHeap(int initialCapacity) {
    heap = new long[Math.max(2, initialCapacity + 1)];
  }

  /**
   * (sortable bits of {@code distance}) in the high 32 bits, {@code node} in the low 32: ordering
   * the longs orders by distance, then node.
   */
  public static long encode(float distance, int node) {
    return ((long) sortable(distance) << 32) | (node & 0xFFFF_FFFFL);
  }

  /** The distance of an encoded value. */
  public static float distance(long encoded) {
    return unsortable((int) (encoded >> 32));
  }

  /** The node of an encoded value. */
  public static int node(long encoded) {
    return (int) encoded;
  }

  /** Float bits as an int with the same order as the floats (negative values included). */
  static int sortable(float f) {
    int bits = Float.floatToIntBits(f);
    return bits ^ ((bits >> 31) & 0x7FFF_FFFF);
  }

  static float unsortable(int s) {
    return Float.intBitsToFloat(s ^ ((s >> 31) & 0x7FFF_FFFF));
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  public void clear() {
    size = 0;
  }

  /** The smallest value; undefined when empty. */
  public long top() {
    return heap[1];
  }

  /** Adds a value. */
  public void push(long value) {
    if (++size == heap.length) {
      heap = java.util.Arrays.copyOf(heap, heap.length * 2);
    }
    int i = size;
    while (i > 1) {
      int parent = i >>> 1;
      long p = heap[parent];
      if (p <= value) {
        break;
      }
      heap[i] = p;
      i = parent;
    }
    heap[i] = value;
  }

  /** Removes and returns the smallest value; undefined when empty. */
  public long pop() {
    long result = heap[1];
    long last = heap[size--];
    if (size > 0) {
      siftDown(last);
    }
    return result;
  }

  /** Replaces the smallest value with {@code value} (cheaper than pop then push). */
  public void replaceTop(long value) {
    siftDown(value);
  }

  private void siftDown(long value) {
    int i = 1;
    int half = size >>> 1;
    while (i <= half) {
      int child = i << 1;
      long c = heap[child];
      if (child < size && heap[child + 1] < c) {
        child++;
        c = heap[child];
      }
      if (value <= c) {
        break;
      }
      heap[i] = c;
      i = child;
    }
    heap[i] = value;
  }

  /** The value at heap position {@code i} in [1, size]: for iteration in no particular order. */
  public long at(int i) {
    return heap[i];
  }
}
