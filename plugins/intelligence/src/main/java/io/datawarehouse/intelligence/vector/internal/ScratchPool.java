package io.datawarehouse.intelligence.vector.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * A small lock-free pool of per-search working memory (visited sets, heaps, buffers), so a search
 * allocates nothing in its loop even when every request runs on a fresh virtual thread (where a
 * {@code ThreadLocal} would allocate each time). Taking and returning are a CAS each; when all
 * slots are taken a new object is made and dropped on return.
 *
 * @param <T> the scratch type
 */
public final class ScratchPool<T> {
  private final AtomicReferenceArray<T> slots;
  private final Supplier<T> factory;

  public ScratchPool(int size, Supplier<T> factory) {
    this.slots = new AtomicReferenceArray<>(size);
    this.factory = factory;
  }

  /** A scratch object for the caller's exclusive use until {@link #release}. */
  public T acquire() {
    int n = slots.length();
    int start = (int) (Thread.currentThread().threadId() % n);
    for (int i = 0; i < n; i++) {
      int idx = (start + i) % n;
      T t = slots.getPlain(idx);
      if (t != null && slots.compareAndSet(idx, t, null)) {
        return t;
      }
    }
    return factory.get();
  }

  /** Gives {@code t} back. */
  public void release(T t) {
    int n = slots.length();
    int start = (int) (Thread.currentThread().threadId() % n);
    for (int i = 0; i < n; i++) {
      int idx = (start + i) % n;
      if (slots.getPlain(idx) == null && slots.compareAndSet(idx, null, t)) {
        return;
      }
    }
  }
}
