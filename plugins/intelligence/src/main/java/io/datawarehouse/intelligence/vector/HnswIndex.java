package io.datawarehouse.intelligence.vector;

import io.datawarehouse.intelligence.internal.ChecksummedFile;
import io.datawarehouse.intelligence.vector.internal.LongHeap;
import io.datawarehouse.intelligence.vector.internal.ScratchPool;
import io.datawarehouse.intelligence.vector.internal.VectorKernel;
import io.datawarehouse.intelligence.vector.internal.VectorKernels;
import io.datawarehouse.intelligence.vector.internal.VisitedSet;
import io.datawarehouse.sdk.DwException;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongPredicate;

/**
 * An in-memory hierarchical navigable small world graph (Malkov and Yashunin, "Efficient and
 * robust approximate nearest neighbor search using Hierarchical Navigable Small World graphs",
 * 2016/2018) with tombstone deletes, neighbour repair, compaction, filtered search and a
 * checksummed file format.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li>Names: the paper's {@code M} is {@link HnswConfig#m()}; {@code M_max0 = 2M} is the layer-0
 *       capacity ({@link #maxConn0}); {@code m_L = 1/ln(M)} is {@link #levelMult};
 *       {@code efConstruction} and {@code ef} are {@link HnswConfig#efConstruction()} and the
 *       {@code ef} of {@link #search}. Insertion is the paper's algorithm 1, layer search
 *       algorithm 2. A new node picks its own neighbours with the heuristic of algorithm 4
 *       (without extending candidates), up to {@code M_max0} on layer 0 and {@code M} above. When
 *       a back-link overflows a full list, only one entry is dropped, as Lucene's
 *       {@code NeighborArray} does: the farthest one that a nearer entry occludes (is closer to
 *       it than the base is), or else the farthest; the first overflow of a list checks every
 *       entry, later ones only the newcomer against the others. Lists so stay full instead of
 *       being pruned to the diverse subset, which gives more recall per {@code ef} (on the
 *       benchmark data the same recall as Lucene at every ef).
 *   <li>Nodes live in <em>slots</em>, numbered densely from 0 in insertion order; the caller's
 *       {@code long} ids map to slots. Slots are grouped in pages of 1024: a page holds the
 *       vectors of its slots in one {@code float[]} (so the distance kernels read contiguous
 *       memory), their ids and their neighbour lists. A neighbour list is an {@code int[]} whose
 *       element 0 is the count, with a parallel {@code float[]} of distances; its capacity is
 *       fixed, so lists are edited in place and never replaced.
 *   <li>Distances: lower is closer. Cosine and dot product use {@code -dot} (cosine vectors are
 *       normalised on the way in), Euclidean the squared distance. {@link VectorSimilarity#scoreOf}
 *       turns a distance into the score callers see.
 *   <li>Levels are drawn from a hash of (seed, slot), so one insertion order gives one graph.
 * </ul>
 *
 * <h2>Concurrency</h2>
 *
 * {@link #add} and {@link #search} run concurrently from any number of threads (they share the
 * read side of a read-write lock). A neighbour list is only changed while holding its monitor; a
 * node's data (vector, id, lists) is written before the node is published with a volatile store
 * of its list array, and readers load that array with acquire before they read the vector, so a
 * reader never sees a half-built node (a not yet published one is skipped). Every slot below
 * {@code published} is known to be published (a volatile counter each insert advances past the
 * run of published slots), so a search checks only the neighbours at or above it, the ones being
 * inserted at the same time; on a loaded or quiet index that is none, which saves a dependent
 * load per neighbour. Readers do not lock lists: a list being rewritten may show a mix of old and
 * new entries, each a valid node, which only affects which nodes a concurrent search explores.
 * {@link #delete}, an update (an {@code add} of an existing id), {@link #compact} and
 * {@link #save} take the write side.
 *
 * <h2>Deletes</h2>
 *
 * A delete marks the slot as a tombstone: it is never returned, but it still routes searches
 * until compaction. Its out-neighbours that linked back to it are repaired at once: the dead link
 * is replaced by the heuristic's choice among their remaining neighbours and the tombstone's own
 * neighbours. Links to a tombstone from nodes it did not link to are repaired by
 * {@link #compact()}, which also renumbers the live slots densely and frees the tombstones;
 * it runs by itself when tombstones pass a quarter of the slots.
 *
 * <h2>Searches allocate nothing in the loop</h2>
 *
 * Each search borrows a scratch object (visited set, two heaps, a query buffer) from a small pool;
 * the only allocation is the result list.
 */
public final class HnswIndex {
  static final int PAGE_BITS = 10;
  static final int PAGE_SIZE = 1 << PAGE_BITS;
  static final int PAGE_MASK = PAGE_SIZE - 1;
  private static final int MAX_LEVEL = 30;
  private static final long EMPTY = -1L;
  private static final VarHandle LINKS = MethodHandles.arrayElementVarHandle(int[][][].class);
  private static final VectorKernel KERNEL = VectorKernels.get();

  /** File magic "DWHN" and format versions this build reads. */
  static final int MAGIC = 0x4457_484E;
  static final int FORMAT_V1 = 1;

  private final HnswConfig config;
  private final int dim;
  private final boolean euclidean;
  private final boolean normalize;
  final int maxConn0;
  final int maxConn;
  final double levelMult;

  private volatile Page[] pages = new Page[0];
  private final Object growLock = new Object();
  private final AtomicInteger slotCount = new AtomicInteger();
  /**
   * Slots [0, published) are all published (their lists set), so a search need not re-check
   * them one by one; only slots at or above it, being inserted concurrently, are checked.
   */
  private final AtomicInteger published = new AtomicInteger();
  private volatile long entry = EMPTY;
  private final Object entryLock = new Object();
  private final Map<Long, Integer> slotById = new ConcurrentHashMap<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final ScratchPool<Scratch> scratch;
  private int tombstones; // guarded by the write lock
  private volatile long checkpoint;

  /** One page of slots. */
  private static final class Page {
    final float[] vectors;
    final long[] ids = new long[PAGE_SIZE];
    final int[][][] links = new int[PAGE_SIZE][][];
    /**
     * links[i][0] again, written before the slot is published: a search on layer 0 reaches a
     * node's list with one load less.
     */
    final int[][] links0 = new int[PAGE_SIZE][];
    final float[][][] dists = new float[PAGE_SIZE][][];
    final boolean[] deleted = new boolean[PAGE_SIZE];
    /**
     * Per slot, bit l set when the slot's list on level l has been checked for diversity as a
     * whole (at its first overflow); later overflows only check the newcomer. Written under the
     * monitor of the level's list, so two levels of one slot may race on the int: a lost bit only
     * means one more whole check. Not persisted (a loaded list is checked whole at its next
     * overflow).
     */
    final int[] checked = new int[PAGE_SIZE];

    Page(int dim) {
      vectors = new float[PAGE_SIZE * dim];
    }
  }

  /** Per-search working memory. */
  private final class Scratch {
    final VisitedSet visited = new VisitedSet();
    final LongHeap candidates = new LongHeap(256);
    final LongHeap results = new LongHeap(256);
    final float[] query = new float[dim];
    int[] ids = new int[64];
    float[] ds = new float[64];
    final int[] selIds = new int[maxConn0 + 1];
    final int[] batch = new int[maxConn0 + 1];
    final float[] four = new float[4];
    final float[] batchDs = new float[maxConn0 + 1];
    final float[] selDs = new float[maxConn0 + 1];

    void ensure(int n) {
      if (ids.length < n) {
        ids = new int[n];
        ds = new float[n];
      }
    }
  }

  /** A new empty index. */
  public HnswIndex(HnswConfig config) {
    this.config = config;
    this.dim = config.dimension();
    this.euclidean = config.similarity() == VectorSimilarity.EUCLIDEAN;
    this.normalize = config.similarity() == VectorSimilarity.COSINE;
    this.maxConn = config.m();
    this.maxConn0 = 2 * config.m();
    this.levelMult = 1.0 / Math.log(config.m());
    this.scratch = new ScratchPool<>(64, Scratch::new);
  }

  public HnswConfig config() {
    return config;
  }

  /** Live vectors. */
  public int size() {
    return slotById.size();
  }

  /** Whether {@code id} is in the index. */
  public boolean contains(long id) {
    return slotById.containsKey(id);
  }

  /** Slots in use, tombstones included. */
  public int slots() {
    return slotCount.get();
  }

  /** Deleted or replaced vectors not yet compacted away. */
  public int tombstones() {
    lock.readLock().lock();
    try {
      return tombstones;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The top layer of the graph, -1 when empty. */
  public int maxLevel() {
    long e = entry;
    return e == EMPTY ? -1 : (int) (e >>> 32);
  }

  /** The distance kernel this JVM uses ("panama-256", "scalar"). */
  public static String kernelName() {
    return KERNEL.name();
  }

  /** The checkpoint stored with the file this index was loaded from (0 for a new index). */
  public long checkpoint() {
    return checkpoint;
  }

  // ---------------------------------------------------------------- add / update / delete

  /**
   * Adds {@code vector} under {@code id}, or replaces the vector of an existing id (an update:
   * the old node becomes a tombstone). The vector is copied. Thread-safe; adds of different ids
   * run concurrently, an update waits for other writers and searches.
   *
   * @throws DwException INVALID_ARGUMENT for a wrong dimension, a non-finite component, or a zero
   *     vector under cosine
   */
  public void add(long id, float[] vector) {
    float[] v = prepare(vector, new float[dim]);
    int abandoned = -1;
    lock.readLock().lock();
    try {
      if (!slotById.containsKey(id)) {
        int slot = allocate();
        if (slotById.putIfAbsent(id, slot) == null) {
          insert(slot, id, v);
          return;
        }
        abandoned = slot; // a concurrent add of the same id won; this becomes an update
      }
    } finally {
      lock.readLock().unlock();
    }
    lock.writeLock().lock();
    try {
      if (abandoned >= 0) {
        Page ap = page(abandoned);
        ap.deleted[abandoned & PAGE_MASK] = true;
        ap.dists[abandoned & PAGE_MASK] = new float[][] {new float[maxConn0]};
        // an empty published node, dead from the start, so the published prefix can pass it
        int[] empty = new int[maxConn0 + 1];
        ap.links0[abandoned & PAGE_MASK] = empty;
        LINKS.setVolatile(ap.links, abandoned & PAGE_MASK, new int[][] {empty});
        advancePublished();
        tombstones++;
      }
      Integer old = slotById.get(id);
      if (old != null) {
        tombstone(old);
      }
      int slot = allocate();
      slotById.put(id, slot);
      insert(slot, id, v);
      maybeCompact();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Deletes {@code id}.
   *
   * @return whether it was there
   */
  public boolean delete(long id) {
    lock.writeLock().lock();
    try {
      Integer slot = slotById.remove(id);
      if (slot == null) {
        return false;
      }
      tombstone(slot);
      maybeCompact();
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** A copy of the stored vector of {@code id} (normalised under cosine), or null. */
  public float[] vector(long id) {
    lock.readLock().lock();
    try {
      Integer slot = slotById.get(id);
      if (slot == null) {
        return null;
      }
      Page p = page(slot);
      int off = (slot & PAGE_MASK) * dim;
      return Arrays.copyOfRange(p.vectors, off, off + dim);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The live ids, in no particular order (a snapshot). */
  public long[] ids() {
    return slotById.keySet().stream().mapToLong(Long::longValue).toArray();
  }

  private float[] prepare(float[] vector, float[] out) {
    if (vector == null || vector.length != dim) {
      throw DwException.invalidArgument("vector dimension must be " + dim + ", was "
          + (vector == null ? "null" : vector.length));
    }
    double sum = 0;
    for (int i = 0; i < dim; i++) {
      float x = vector[i];
      if (!Float.isFinite(x)) {
        throw DwException.invalidArgument("vector component " + i + " is " + x + "; components must be finite");
      }
      sum += (double) x * x;
      out[i] = x;
    }
    if (normalize) {
      if (sum == 0) {
        throw DwException.invalidArgument("a zero vector has no direction; cosine similarity needs a non-zero vector");
      }
      float inv = (float) (1.0 / Math.sqrt(sum));
      for (int i = 0; i < dim; i++) {
        out[i] *= inv;
      }
    }
    return out;
  }

  private int allocate() {
    int slot = slotCount.getAndIncrement();
    int pageIndex = slot >>> PAGE_BITS;
    Page[] ps = pages;
    if (pageIndex >= ps.length || ps[pageIndex] == null) {
      synchronized (growLock) {
        ps = pages;
        if (pageIndex >= ps.length || ps[pageIndex] == null) {
          Page[] grown = Arrays.copyOf(ps, Math.max(ps.length, pageIndex + 1));
          for (int i = 0; i <= pageIndex; i++) {
            if (grown[i] == null) {
              grown[i] = new Page(dim);
            }
          }
          pages = grown;
        }
      }
    }
    return slot;
  }

  /** The page of a slot; null when the slot's page is not visible to this thread yet. */
  private Page pageOrNull(int slot) {
    Page[] ps = pages;
    int i = slot >>> PAGE_BITS;
    return i < ps.length ? ps[i] : null;
  }

  private Page page(int slot) {
    return pages[slot >>> PAGE_BITS];
  }

  private int levelFor(int slot) {
    long h = mix(config.seed() + 0x9E37_79B9_7F4A_7C15L * (slot + 1L));
    double u = ((h >>> 11) + 1) * 0x1.0p-53; // (0, 1]
    return Math.min(MAX_LEVEL, (int) (-Math.log(u) * levelMult));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
    return z ^ (z >>> 31);
  }

  private void insert(int slot, long id, float[] v) {
    Page p = page(slot);
    int local = slot & PAGE_MASK;
    int off = local * dim;
    System.arraycopy(v, 0, p.vectors, off, dim);
    p.ids[local] = id;
    int level = levelFor(slot);
    int[][] nl = new int[level + 1][];
    float[][] nd = new float[level + 1][];
    for (int l = 0; l <= level; l++) {
      int cap = l == 0 ? maxConn0 : maxConn;
      nl[l] = new int[cap + 1];
      nd[l] = new float[cap];
    }
    p.dists[local] = nd;
    p.links0[local] = nl[0];
    LINKS.setVolatile(p.links, local, nl); // publish: vector, id and lists are visible to acquirers
    advancePublished();

    long ep = entry;
    if (ep == EMPTY) {
      synchronized (entryLock) {
        if (entry == EMPTY) {
          entry = pack(level, slot);
          return;
        }
        ep = entry;
      }
    }
    int epLevel = (int) (ep >>> 32);
    int cur = (int) ep;
    Scratch s = scratch.acquire();
    try {
      float[] q = p.vectors;
      float curDist = distance(q, off, cur);
      for (int l = epLevel; l > level; l--) {
        long best = greedy(q, off, cur, curDist, l);
        cur = LongHeap.node(best);
        curDist = LongHeap.distance(best);
      }
      for (int l = Math.min(level, epLevel); l >= 0; l--) {
        searchLayer(q, off, cur, curDist, config.efConstruction(), l, null, s);
        int n = drainSorted(s);
        if (n == 0) {
          continue; // only tombstones were reachable on this level
        }
        cur = s.ids[0];
        curDist = s.ds[0];
        int selected = selectDiverse(s.ids, s.ds, n, l == 0 ? maxConn0 : maxConn, s.selIds, s.selDs);
        int[] own = nl[l];
        float[] ownD = nd[l];
        int[] sel = Arrays.copyOf(s.selIds, selected);
        float[] selD = Arrays.copyOf(s.selDs, selected);
        synchronized (own) {
          for (int i = 0; i < selected; i++) {
            addLinkLocked(slot, l, own, ownD, sel[i], selD[i], s);
          }
        }
        for (int i = 0; i < selected; i++) {
          int nb = sel[i];
          Page np = page(nb);
          int[] theirs = ((int[][]) LINKS.getAcquire(np.links, nb & PAGE_MASK))[l];
          float[] theirD = np.dists[nb & PAGE_MASK][l];
          synchronized (theirs) {
            addLinkLocked(nb, l, theirs, theirD, slot, selD[i], s);
          }
        }
      }
    } finally {
      scratch.release(s);
    }
    if (level > epLevel) {
      synchronized (entryLock) {
        if (level > (int) (entry >>> 32)) {
          entry = pack(level, slot);
        }
      }
    }
  }

  /**
   * Moves {@link #published} past every published slot that follows it. Each insert calls this
   * after publishing its node; the stores and loads are volatile, so of two inserts publishing at
   * once at least one sees the other's node, and the prefix never stops short of a published run.
   */
  private void advancePublished() {
    int w = published.get();
    while (w < slotCount.get()) {
      Page p = pageOrNull(w);
      if (p == null || LINKS.getVolatile(p.links, w & PAGE_MASK) == null) {
        return;
      }
      if (published.compareAndSet(w, w + 1)) {
        w++;
      } else {
        w = published.get();
      }
    }
  }

  private static long pack(int level, int slot) {
    return ((long) level << 32) | (slot & 0xFFFF_FFFFL);
  }

  /**
   * Adds {@code (other, d)} to the list {@code ids/ds} of node {@code base}, the caller holding
   * the list's monitor. A full list is re-pruned with the heuristic over its entries plus the new
   * one.
   */
  private void addLinkLocked(int base, int level, int[] ids, float[] ds, int other, float d, Scratch s) {
    int count = ids[0];
    for (int i = 1; i <= count; i++) {
      if (ids[i] == other) {
        return;
      }
    }
    int cap = ids.length - 1;
    if (count < cap) {
      // keep the list sorted by distance: shift the farther entries up by one
      int i = count;
      while (i > 0 && ds[i - 1] > d) {
        ids[i + 1] = ids[i];
        ds[i] = ds[i - 1];
        i--;
      }
      ids[i + 1] = other;
      ds[i] = d;
      ids[0] = count + 1;
      return;
    }
    // full: merge the newcomer into the sorted entries, then drop one entry: the farthest one that
    // is closer to some nearer entry than to base (the least diverse), or else the farthest. The
    // list stays full instead of being pruned down to the diverse subset.
    s.ensure(cap + 1);
    int[] cIds = s.ids;
    float[] cDs = s.ds;
    int n = 0;
    int at = -1;
    for (int i = 0; i < count; i++) {
      if (at < 0 && d < ds[i]) {
        at = n;
        cIds[n] = other;
        cDs[n++] = d;
      }
      cIds[n] = ids[i + 1];
      cDs[n++] = ds[i];
    }
    if (at < 0) {
      at = n;
      cIds[n] = other;
      cDs[n++] = d;
    }
    Page bp = page(base);
    int bl = base & PAGE_MASK;
    int drop;
    if ((bp.checked[bl] & (1 << level)) == 0) {
      drop = worstNonDiverse(cIds, cDs, n);
      bp.checked[bl] |= 1 << level;
    } else {
      drop = newcomerNonDiverse(cIds, cDs, n, at);
    }
    int w = 0;
    for (int i = 0; i < n; i++) {
      if (i != drop) {
        ids[w + 1] = cIds[i];
        ds[w++] = cDs[i];
      }
    }
    ids[0] = w;
  }

  /**
   * {@link #worstNonDiverse} when only the entry at {@code at} is new (the others were checked
   * together before): the farthest entry beyond it that it occludes, else itself when a nearer
   * entry occludes it, else the last.
   */
  private int newcomerNonDiverse(int[] cIds, float[] cDs, int n, int at) {
    int c = cIds[at];
    float[] cv = page(c).vectors;
    int cOff = (c & PAGE_MASK) * dim;
    for (int i = n - 1; i > at; i--) {
      if (distance(cv, cOff, cIds[i]) < cDs[i]) {
        return i;
      }
    }
    for (int j = 0; j < at; j++) {
      if (distance(cv, cOff, cIds[j]) < cDs[at]) {
        return at;
      }
    }
    return n - 1;
  }

  /**
   * The index in {@code cIds} (sorted by ascending distance to their base) of the farthest entry
   * that is closer to a nearer entry than to the base, or the last index when every entry is
   * diverse.
   */
  private int worstNonDiverse(int[] cIds, float[] cDs, int n) {
    for (int i = n - 1; i > 0; i--) {
      int c = cIds[i];
      float dc = cDs[i];
      float[] cv = page(c).vectors;
      int cOff = (c & PAGE_MASK) * dim;
      for (int j = 0; j < i; j++) {
        if (distance(cv, cOff, cIds[j]) < dc) {
          return i;
        }
      }
    }
    return n - 1;
  }

  /**
   * The heuristic of algorithm 4: walks candidates in ascending distance to the base and keeps one
   * when it is closer to the base than to every one kept before.
   *
   * @return how many were kept into {@code outIds/outDs}
   */
  private int selectDiverse(int[] cIds, float[] cDs, int n, int max, int[] outIds, float[] outDs) {
    int kept = 0;
    for (int i = 0; i < n && kept < max; i++) {
      int c = cIds[i];
      float dc = cDs[i];
      Page cp = page(c);
      int cOff = (c & PAGE_MASK) * dim;
      boolean good = true;
      for (int j = 0; j < kept; j++) {
        if (distance(cp.vectors, cOff, outIds[j]) < dc) {
          good = false;
          break;
        }
      }
      if (good) {
        outIds[kept] = c;
        outDs[kept++] = dc;
      }
    }
    return kept;
  }

  private float distance(float[] q, int qOff, int slot) {
    Page p = page(slot);
    return distance(q, qOff, p.vectors, (slot & PAGE_MASK) * dim);
  }

  private float distance(float[] q, int qOff, float[] v, int vOff) {
    return euclidean ? KERNEL.squareDistance(q, qOff, v, vOff, dim) : -KERNEL.dot(q, qOff, v, vOff, dim);
  }

  /** Greedy descent on one layer; returns (distance, node) encoded. */
  private long greedy(float[] q, int qOff, int cur, float curDist, int level) {
    int pub = published.get();
    boolean moved = true;
    while (moved) {
      moved = false;
      Page cp = page(cur);
      int[][] nl = (int[][]) LINKS.getAcquire(cp.links, cur & PAGE_MASK);
      if (nl == null || level >= nl.length) {
        break;
      }
      int[] ids = nl[level];
      int count = ids[0];
      for (int i = 1; i <= count; i++) {
        int n = ids[i];
        Page np = pageOrNull(n);
        if (n >= pub && (np == null || LINKS.getAcquire(np.links, n & PAGE_MASK) == null)) {
          continue;
        }
        float d = distance(q, qOff, np.vectors, (n & PAGE_MASK) * dim);
        if (d < curDist) {
          curDist = d;
          cur = n;
          moved = true;
        }
      }
    }
    return LongHeap.encode(curDist, cur);
  }

  /**
   * Algorithm 2 on one layer from one entry point. Leaves the best {@code ef} accepted nodes in
   * {@code s.results} (a min-heap of encoded (-distance, node), so its top is the worst). A node is
   * accepted when it is not a tombstone and {@code filter} (on the caller's id) is null or true;
   * rejected nodes are still explored, so the filter acts during the traversal.
   */
  private void searchLayer(float[] q, int qOff, int ep, float epDist, int ef, int level, LongPredicate filter,
      Scratch s) {
    LongHeap cand = s.candidates;
    LongHeap res = s.results;
    VisitedSet visited = s.visited;
    cand.clear();
    res.clear();
    visited.reset(slotCount.get());
    visited.visit(ep);
    cand.push(LongHeap.encode(epDist, ep));
    if (accepted(page(ep), ep, filter)) {
      res.push(LongHeap.encode(-epDist, ep));
    }
    float bound = res.size() >= ef ? -LongHeap.distance(res.top()) : Float.POSITIVE_INFINITY;
    // slots below pub are published; read it before the pages snapshot, so that snapshot covers
    // them. Pages only grow while searches run (compaction holds the write lock), so the snapshot
    // serves every slot it covers; a slot beyond it is re-read through the volatile field
    int pub = published.get();
    Page[] ps = pages;
    boolean checkAccept = filter != null || tombstones > 0; // tombstones is stable under the read lock
    int[] batch = s.batch;
    float[] batchDs = s.batchDs;
    while (!cand.isEmpty()) {
      long c = cand.pop();
      if (LongHeap.distance(c) > bound) {
        break;
      }
      int cs = LongHeap.node(c);
      int cpi = cs >>> PAGE_BITS;
      Page cp = cpi < ps.length ? ps[cpi] : page(cs);
      int[] ids;
      if (level == 0) {
        ids = cp.links0[cs & PAGE_MASK]; // cs was seen published before it became a candidate
      } else {
        int[][] cl = (int[][]) LINKS.getAcquire(cp.links, cs & PAGE_MASK);
        if (level >= cl.length) {
          continue;
        }
        ids = cl[level];
      }
      // first the unvisited neighbours, then all their distances in one pass (independent loads
      // the CPU can overlap), then the queue updates
      int count = Math.min(ids[0], batch.length);
      int m = 0;
      for (int i = 1; i <= count; i++) {
        int n = ids[i];
        if (!visited.visit(n)) {
          continue;
        }
        if (n >= pub) {
          int pi = n >>> PAGE_BITS;
          Page np = pi < ps.length ? ps[pi] : pageOrNull(n);
          if (np == null || LINKS.getAcquire(np.links, n & PAGE_MASK) == null) {
            continue;
          }
        }
        batch[m++] = n;
      }
      int j0 = 0;
      if (!euclidean) {
        // four at a time: the query is loaded once per four vectors (same sums as one at a time)
        float[] four = s.four;
        for (; j0 + 4 <= m; j0 += 4) {
          int n0 = batch[j0];
          int n1 = batch[j0 + 1];
          int n2 = batch[j0 + 2];
          int n3 = batch[j0 + 3];
          KERNEL.dot4(q, qOff, pageOf(ps, n0).vectors, (n0 & PAGE_MASK) * dim, pageOf(ps, n1).vectors,
              (n1 & PAGE_MASK) * dim, pageOf(ps, n2).vectors, (n2 & PAGE_MASK) * dim, pageOf(ps, n3).vectors,
              (n3 & PAGE_MASK) * dim, dim, four);
          batchDs[j0] = -four[0];
          batchDs[j0 + 1] = -four[1];
          batchDs[j0 + 2] = -four[2];
          batchDs[j0 + 3] = -four[3];
        }
      }
      for (int j = j0; j < m; j++) {
        int n = batch[j];
        batchDs[j] = distance(q, qOff, pageOf(ps, n).vectors, (n & PAGE_MASK) * dim);
      }
      for (int j = 0; j < m; j++) {
        float d = batchDs[j];
        if (d < bound || res.size() < ef) {
          int n = batch[j];
          cand.push(LongHeap.encode(d, n));
          if (!checkAccept || accepted(n < pub ? ps[n >>> PAGE_BITS] : pageOrNull(n), n, filter)) {
            if (res.size() < ef) {
              res.push(LongHeap.encode(-d, n));
            } else {
              res.replaceTop(LongHeap.encode(-d, n));
            }
            if (res.size() >= ef) {
              bound = -LongHeap.distance(res.top());
            }
          }
        }
      }
    }
  }

  /** The page of a slot through a snapshot of {@link #pages}, or the current array beyond it. */
  private Page pageOf(Page[] ps, int slot) {
    int pi = slot >>> PAGE_BITS;
    return pi < ps.length ? ps[pi] : pageOrNull(slot);
  }

  private static boolean accepted(Page p, int slot, LongPredicate filter) {
    int local = slot & PAGE_MASK;
    return !p.deleted[local] && (filter == null || filter.test(p.ids[local]));
  }

  /** Empties {@code s.results} into {@code s.ids/s.ds} in ascending distance; returns the count. */
  private static int drainSorted(Scratch s) {
    LongHeap res = s.results;
    int n = res.size();
    s.ensure(n);
    for (int i = n - 1; i >= 0; i--) {
      long e = res.pop();
      s.ids[i] = LongHeap.node(e);
      s.ds[i] = -LongHeap.distance(e);
    }
    return n;
  }

  // ---------------------------------------------------------------- search

  /** The {@code k} nearest with the configured efSearch and no filter. */
  public List<Neighbor> search(float[] query, int k) {
    return search(query, k, config.efSearch(), null);
  }

  /**
   * The approximate {@code k} nearest neighbours of {@code query}, best first.
   *
   * @param ef the candidate list size (raised to {@code k} when smaller); larger is slower and
   *     more exact
   * @param filter null, or which ids may be returned; it is applied while the graph is traversed
   *     (non-matching nodes still route the search), so a selective filter still fills k results
   *     when that many match. Called from the searching thread, often, so keep it cheap
   * @throws DwException INVALID_ARGUMENT for a wrong dimension, k &lt; 1, or a bad vector
   */
  public List<Neighbor> search(float[] query, int k, int ef, LongPredicate filter) {
    if (k < 1) {
      throw DwException.invalidArgument("k must be >= 1, was " + k);
    }
    lock.readLock().lock();
    Scratch s = scratch.acquire();
    try {
      float[] q = prepare(query, s.query);
      long ep = entry;
      if (ep == EMPTY) {
        return List.of();
      }
      int cur = (int) ep;
      float curDist = distance(q, 0, cur);
      for (int l = (int) (ep >>> 32); l > 0; l--) {
        long best = greedy(q, 0, cur, curDist, l);
        cur = LongHeap.node(best);
        curDist = LongHeap.distance(best);
      }
      searchLayer(q, 0, cur, curDist, Math.max(ef, k), 0, filter, s);
      LongHeap res = s.results;
      while (res.size() > k) {
        res.pop();
      }
      Neighbor[] out = new Neighbor[res.size()];
      VectorSimilarity sim = config.similarity();
      for (int i = out.length - 1; i >= 0; i--) {
        long e = res.pop();
        int slot = LongHeap.node(e);
        out[i] = new Neighbor(page(slot).ids[slot & PAGE_MASK], sim.scoreOf(-LongHeap.distance(e)));
      }
      return Arrays.asList(out);
    } finally {
      scratch.release(s);
      lock.readLock().unlock();
    }
  }

  /**
   * The exact {@code k} nearest by scanning every vector with the same kernel (the ground truth
   * of recall tests, and the right plan when a filter matches few vectors).
   */
  public List<Neighbor> exactSearch(float[] query, int k, LongPredicate filter) {
    if (k < 1) {
      throw DwException.invalidArgument("k must be >= 1, was " + k);
    }
    lock.readLock().lock();
    Scratch s = scratch.acquire();
    try {
      float[] q = prepare(query, s.query);
      LongHeap res = s.results;
      res.clear();
      int n = slotCount.get();
      for (int slot = 0; slot < n; slot++) {
        Page p = pageOrNull(slot);
        if (p == null || LINKS.getAcquire(p.links, slot & PAGE_MASK) == null || !accepted(p, slot, filter)) {
          continue;
        }
        float d = distance(q, 0, p.vectors, (slot & PAGE_MASK) * dim);
        if (res.size() < k) {
          res.push(LongHeap.encode(-d, slot));
        } else if (d < -LongHeap.distance(res.top())) {
          res.replaceTop(LongHeap.encode(-d, slot));
        }
      }
      Neighbor[] out = new Neighbor[res.size()];
      for (int i = out.length - 1; i >= 0; i--) {
        long e = res.pop();
        int slot = LongHeap.node(e);
        out[i] = new Neighbor(page(slot).ids[slot & PAGE_MASK], config.similarity().scoreOf(-LongHeap.distance(e)));
      }
      return Arrays.asList(out);
    } finally {
      scratch.release(s);
      lock.readLock().unlock();
    }
  }

  // ---------------------------------------------------------------- tombstones and compaction

  /** Marks a slot dead and repairs the lists of its out-neighbours. Write lock held. */
  private void tombstone(int slot) {
    Page p = page(slot);
    int local = slot & PAGE_MASK;
    if (p.deleted[local]) {
      return;
    }
    p.deleted[local] = true;
    tombstones++;
    int[][] nl = p.links[local];
    if (nl != null) {
      Scratch s = scratch.acquire();
      try {
        for (int l = 0; l < nl.length; l++) {
          int[] ids = nl[l];
          for (int i = 1; i <= ids[0]; i++) {
            int n = ids[i];
            if (!isDead(n)) {
              repair(n, l, s);
            }
          }
        }
      } finally {
        scratch.release(s);
      }
    }
    if ((int) entry == slot) {
      entry = bestLiveEntry();
    }
  }

  private boolean isDead(int slot) {
    Page p = page(slot);
    int local = slot & PAGE_MASK;
    return p.deleted[local] || p.links[local] == null;
  }

  /**
   * Drops dead entries from node {@code n}'s list on {@code level} and refills it with the
   * heuristic's choice among its live entries and the live neighbours of the dropped ones.
   * Write lock held.
   */
  private boolean repair(int n, int level, Scratch s) {
    Page p = page(n);
    int local = n & PAGE_MASK;
    int[] ids = p.links[local][level];
    float[] ds = p.dists[local][level];
    int count = ids[0];
    boolean anyDead = false;
    for (int i = 1; i <= count; i++) {
      if (isDead(ids[i])) {
        anyDead = true;
        break;
      }
    }
    if (!anyDead) {
      return false;
    }
    int cap = ids.length - 1;
    int[] candIds = new int[cap * (cap + 1)];
    float[] candDs = new float[candIds.length];
    int c = 0;
    float[] base = p.vectors;
    int baseOff = local * dim;
    for (int i = 1; i <= count; i++) {
      int e = ids[i];
      if (!isDead(e)) {
        c = addCandidate(candIds, candDs, c, n, e, ds[i - 1]);
        continue;
      }
      int[][] dl = page(e).links[e & PAGE_MASK];
      if (dl == null || level >= dl.length) {
        continue;
      }
      int[] second = dl[level];
      for (int j = 1; j <= second[0]; j++) {
        int e2 = second[j];
        if (e2 != n && !isDead(e2)) {
          c = addCandidate(candIds, candDs, c, n, e2, distance(base, baseOff, e2));
        }
      }
    }
    sortByDistance(candIds, candDs, c);
    int kept = selectDiverse(candIds, candDs, c, cap, s.selIds, s.selDs);
    for (int i = 0; i < kept; i++) {
      ids[i + 1] = s.selIds[i];
      ds[i] = s.selDs[i];
    }
    ids[0] = kept;
    return true;
  }

  private static int addCandidate(int[] ids, float[] ds, int count, int self, int node, float d) {
    if (node == self) {
      return count;
    }
    for (int i = 0; i < count; i++) {
      if (ids[i] == node) {
        return count;
      }
    }
    ids[count] = node;
    ds[count] = d;
    return count + 1;
  }

  private static void sortByDistance(int[] ids, float[] ds, int n) {
    for (int i = 1; i < n; i++) {
      int id = ids[i];
      float d = ds[i];
      int j = i - 1;
      while (j >= 0 && ds[j] > d) {
        ids[j + 1] = ids[j];
        ds[j + 1] = ds[j];
        j--;
      }
      ids[j + 1] = id;
      ds[j + 1] = d;
    }
  }

  private long bestLiveEntry() {
    int n = slotCount.get();
    int best = -1;
    int bestLevel = -1;
    for (int slot = 0; slot < n; slot++) {
      Page p = page(slot);
      int[][] nl = p.links[slot & PAGE_MASK];
      if (nl != null && !p.deleted[slot & PAGE_MASK] && nl.length - 1 > bestLevel) {
        best = slot;
        bestLevel = nl.length - 1;
      }
    }
    return best < 0 ? EMPTY : pack(bestLevel, best);
  }

  private void maybeCompact() {
    int slots = slotCount.get();
    if (tombstones > 64 && tombstones * 4L > slots) {
      compactLocked();
    }
  }

  /**
   * Repairs every list that still links a tombstone, then renumbers the live nodes densely and
   * frees the tombstones. Blocks adds and searches while it runs.
   */
  public void compact() {
    lock.writeLock().lock();
    try {
      compactLocked();
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void compactLocked() {
    int n = slotCount.get();
    if (tombstones == 0) {
      return;
    }
    Scratch s = scratch.acquire();
    try {
      for (int slot = 0; slot < n; slot++) {
        if (isDead(slot)) {
          continue;
        }
        int[][] nl = page(slot).links[slot & PAGE_MASK];
        for (int l = 0; l < nl.length; l++) {
          repair(slot, l, s);
        }
      }
    } finally {
      scratch.release(s);
    }
    int[] remap = new int[n];
    int live = 0;
    for (int slot = 0; slot < n; slot++) {
      remap[slot] = isDead(slot) ? -1 : live++;
    }
    Page[] fresh = new Page[(live + PAGE_SIZE - 1) >>> PAGE_BITS];
    for (int i = 0; i < fresh.length; i++) {
      fresh[i] = new Page(dim);
    }
    for (int slot = 0; slot < n; slot++) {
      int to = remap[slot];
      if (to < 0) {
        continue;
      }
      Page from = page(slot);
      int fl = slot & PAGE_MASK;
      Page dest = fresh[to >>> PAGE_BITS];
      int tl = to & PAGE_MASK;
      System.arraycopy(from.vectors, fl * dim, dest.vectors, tl * dim, dim);
      dest.ids[tl] = from.ids[fl];
      int[][] nl = from.links[fl];
      for (int[] ids : nl) {
        int w = 0;
        for (int i = 1; i <= ids[0]; i++) {
          int m = remap[ids[i]];
          if (m >= 0) {
            ids[++w] = m;
          }
        }
        ids[0] = w;
      }
      dest.links[tl] = nl;
      dest.links0[tl] = nl[0];
      dest.dists[tl] = from.dists[fl];
      slotById.put(dest.ids[tl], to);
    }
    pages = fresh;
    slotCount.set(live);
    published.set(live);
    tombstones = 0;
    entry = bestLiveEntry();
  }

  // ---------------------------------------------------------------- persistence (format v1)

  /**
   * Writes the index to {@code file} atomically and durably (temp file, force, rename, force
   * directory), with {@code checkpoint} (the caller's position in its own log) in the header.
   * Tombstones are compacted first. Blocks adds and searches while it runs.
   *
   * <pre>
   * format v1, all integers big-endian:
   *   u32 magic "DWHN"   u16 version (1)   u16 reserved (0)         (ChecksummedFile header)
   *   u32 dimension  u8 similarity ordinal  u32 M  u32 efConstruction  u32 efSearch  u64 seed
   *   u64 checkpoint   u32 node count   i32 entry node (-1 when empty)   i32 entry level
   *   per node: u64 id, u8 level, dimension x f32 vector, per level 0..level:
   *             u16 count, count x (u32 neighbour, f32 distance)
   *   u32 CRC32C of every byte before it                             (ChecksummedFile footer)
   * </pre>
   *
   * @throws DwException UNAVAILABLE when the file cannot be written
   */
  public void save(Path file, long checkpointValue) {
    lock.writeLock().lock();
    try {
      compactLocked();
      ChecksummedFile.write(file, MAGIC, FORMAT_V1, out -> {
        out.writeInt(dim);
        out.writeByte(config.similarity().ordinal());
        out.writeInt(config.m());
        out.writeInt(config.efConstruction());
        out.writeInt(config.efSearch());
        out.writeLong(config.seed());
        out.writeLong(checkpointValue);
        int n = slotCount.get();
        out.writeInt(n);
        long e = entry;
        out.writeInt(e == EMPTY ? -1 : (int) e);
        out.writeInt(e == EMPTY ? -1 : (int) (e >>> 32));
        for (int slot = 0; slot < n; slot++) {
          Page p = page(slot);
          int local = slot & PAGE_MASK;
          out.writeLong(p.ids[local]);
          int[][] nl = p.links[local];
          float[][] nd = p.dists[local];
          out.writeByte(nl.length - 1);
          int off = local * dim;
          for (int i = 0; i < dim; i++) {
            out.writeFloat(p.vectors[off + i]);
          }
          for (int l = 0; l < nl.length; l++) {
            int[] ids = nl[l];
            out.writeShort(ids[0]);
            for (int i = 1; i <= ids[0]; i++) {
              out.writeInt(ids[i]);
              out.writeFloat(nd[l][i - 1]);
            }
          }
        }
      });
      this.checkpoint = checkpointValue;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Reads an index written by {@link #save}. Everything is checked before the index is returned:
   * magic, version, every count and neighbour against its bounds, and the CRC32C footer.
   *
   * @throws DwException NOT_FOUND when the file is missing; INTEGRITY naming the file when it is
   *     corrupt, truncated or of an unknown version; UNAVAILABLE when it cannot be read
   */
  public static HnswIndex load(Path file) {
    return ChecksummedFile.read(file, "HNSW index", MAGIC, FORMAT_V1, FORMAT_V1, (in, version) -> readV1(file, in));
  }

  private static HnswIndex readV1(Path file, DataInputStream in) throws IOException {
    int dimension = in.readInt();
    int simOrdinal = in.readUnsignedByte();
    ChecksummedFile.check(simOrdinal < VectorSimilarity.values().length, file, "unknown similarity ordinal " + simOrdinal);
    HnswConfig cfg;
    try {
      cfg = new HnswConfig(dimension, VectorSimilarity.values()[simOrdinal], in.readInt(), in.readInt(),
          in.readInt(), in.readLong());
    } catch (DwException e) {
      throw DwException.integrity(file + ": bad parameters in the header: " + e.getMessage(), e);
    }
    long cp = in.readLong();
    int n = in.readInt();
    int entrySlot = in.readInt();
    int entryLevel = in.readInt();
    ChecksummedFile.check(n >= 0 && entrySlot >= -1 && entrySlot < Math.max(n, 1) && (n > 0) == (entrySlot >= 0),
        file, "bad node count " + n + " or entry node " + entrySlot);
    HnswIndex index = new HnswIndex(cfg);
    for (int slot = 0; slot < n; slot++) {
      index.allocate();
      Page p = index.page(slot);
      int local = slot & PAGE_MASK;
      long id = in.readLong();
      int level = in.readUnsignedByte();
      ChecksummedFile.check(level <= MAX_LEVEL, file, "node " + slot + " has level " + level + " > " + MAX_LEVEL);
      int off = local * dimension;
      for (int i = 0; i < dimension; i++) {
        p.vectors[off + i] = in.readFloat();
      }
      int[][] nl = new int[level + 1][];
      float[][] nd = new float[level + 1][];
      for (int l = 0; l <= level; l++) {
        int cap = l == 0 ? index.maxConn0 : index.maxConn;
        int count = in.readUnsignedShort();
        ChecksummedFile.check(count <= cap, file, "node " + slot + " has " + count + " neighbours on level " + l
            + ", more than the capacity " + cap);
        nl[l] = new int[cap + 1];
        nd[l] = new float[cap];
        nl[l][0] = count;
        for (int i = 1; i <= count; i++) {
          int nb = in.readInt();
          ChecksummedFile.check(nb >= 0 && nb < n, file, "node " + slot + " links node " + nb + " outside 0.." + (n - 1));
          nl[l][i] = nb;
          nd[l][i - 1] = in.readFloat();
        }
      }
      p.ids[local] = id;
      p.links[local] = nl;
      p.links0[local] = nl[0];
      p.dists[local] = nd;
      ChecksummedFile.check(index.slotById.put(id, slot) == null, file, "id " + id + " appears twice");
    }
    for (int slot = 0; slot < n; slot++) {
      int[][] nl = index.page(slot).links[slot & PAGE_MASK];
      for (int l = 0; l < nl.length; l++) {
        for (int i = 1; i <= nl[l][0]; i++) {
          int[][] target = index.page(nl[l][i]).links[nl[l][i] & PAGE_MASK];
          ChecksummedFile.check(target.length > l, file, "node " + slot + " links node " + nl[l][i] + " on level "
              + l + " above that node's top level " + (target.length - 1));
        }
      }
    }
    if (n > 0) {
      int actualLevel = index.page(entrySlot).links[entrySlot & PAGE_MASK].length - 1;
      ChecksummedFile.check(actualLevel == entryLevel, file, "entry level " + entryLevel
          + " differs from the entry node's level " + actualLevel);
      index.entry = pack(entryLevel, entrySlot);
    }
    index.published.set(n);
    index.checkpoint = cp;
    return index;
  }

  /** Live ids with their layer-0 neighbour ids, for tests of the graph's shape. */
  List<long[]> layerZeroForTest() {
    List<long[]> out = new ArrayList<>();
    lock.readLock().lock();
    try {
      for (int slot = 0; slot < slotCount.get(); slot++) {
        if (isDead(slot)) {
          continue;
        }
        Page p = page(slot);
        int[] ids = p.links[slot & PAGE_MASK][0];
        long[] row = new long[ids[0] + 1];
        row[0] = p.ids[slot & PAGE_MASK];
        for (int i = 1; i <= ids[0]; i++) {
          int n = ids[i];
          row[i] = isDead(n) ? Long.MIN_VALUE : page(n).ids[n & PAGE_MASK];
        }
        out.add(row);
      }
    } finally {
      lock.readLock().unlock();
    }
    return out;
  }
}
