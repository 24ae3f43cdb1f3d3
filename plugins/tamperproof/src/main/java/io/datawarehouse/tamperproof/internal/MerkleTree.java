package io.datawarehouse.tamperproof.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The writer's Merkle tree over the ledger's leaves, hashed as in RFC 6962 section 2.1: a leaf is
 * {@code SHA-256(0x00 || entry)}, an inner node {@code SHA-256(0x01 || left || right)}, the empty
 * tree {@code SHA-256()}.
 *
 * <p>Design: the tree keeps every <em>complete, aligned</em> subtree hash, level by level: level 0
 * holds the leaf hashes, level {@code j} holds one hash per full block of {@code 2^j} leaves
 * ({@code level[j][i]} covers leaves {@code [i*2^j, (i+1)*2^j)}). Appending a leaf adds it to level
 * 0 and, while the level it lands in has an even count, combines the last two into the level above;
 * about {@code 2n} hashes in all. RFC 6962's recursive definitions ({@code MTH}, {@code PATH},
 * {@code SUBPROOF}) split a range at the largest power of two below its size, so every left part
 * is such a complete aligned block (one lookup) and only the right edge recurses: a tree head for
 * any size costs {@code O(log n)} hashes and a proof {@code O(log^2 n)} at worst.
 *
 * <p>The names follow the RFC: {@code mth(lo, hi)} is {@code MTH(D[lo:hi])}, {@link #inclusionPath}
 * is {@code PATH(m, D[n])} and {@link #consistencyPath} is {@code PROOF(m, D[n])}. Proofs are
 * checked elsewhere, by {@link io.datawarehouse.tamperproof.ledger.LedgerVerifier}, which
 * implements the iterative algorithms of RFC 9162 and shares no code with this class.
 *
 * <p>Not thread-safe: the ledger guards it with its lock.
 */
public final class MerkleTree {
  /** Bytes in one SHA-256 hash. */
  public static final int HASH_SIZE = 32;

  private final MessageDigest sha = sha256();
  /** levels.get(j) holds the complete aligned subtrees of height j. */
  private final List<HashArray> levels = new ArrayList<>();
  private long size;

  public MerkleTree() {
    levels.add(new HashArray());
  }

  /** Number of leaves. */
  public long size() {
    return size;
  }

  /** {@code SHA-256(0x00 || entry)}. */
  public byte[] leafHash(byte[] entry) {
    sha.reset();
    sha.update((byte) 0x00);
    sha.update(entry);
    return sha.digest();
  }

  /** Appends an entry; returns its leaf hash. */
  public byte[] appendEntry(byte[] entry) {
    byte[] leaf = leafHash(entry);
    appendLeafHash(leaf);
    return leaf;
  }

  /** Appends a precomputed leaf hash (32 bytes). */
  public void appendLeafHash(byte[] leaf) {
    if (leaf.length != HASH_SIZE) {
      throw new IllegalArgumentException("a leaf hash is 32 bytes, got " + leaf.length);
    }
    levels.get(0).add(leaf, 0);
    size++;
    byte[] buf = new byte[HASH_SIZE];
    for (int j = 0; ; j++) {
      HashArray level = levels.get(j);
      long count = level.size();
      if ((count & 1) != 0) {
        break;
      }
      if (levels.size() == j + 1) {
        levels.add(new HashArray());
      }
      nodeHash(level, count - 2, level, count - 1, buf);
      levels.get(j + 1).add(buf, 0);
    }
  }

  /** The leaf hash at {@code index}. */
  public byte[] leafHashAt(long index) {
    checkIndex(index, size);
    return levels.get(0).get(index);
  }

  /** The root of the whole tree, {@code MTH(D[size])}. */
  public byte[] root() {
    return rootAt(size);
  }

  /** The root of the tree formed by the first {@code treeSize} leaves. */
  public byte[] rootAt(long treeSize) {
    if (treeSize < 0 || treeSize > size) {
      throw new IllegalArgumentException("tree size " + treeSize + " is outside 0.." + size);
    }
    if (treeSize == 0) {
      sha.reset();
      return sha.digest();
    }
    return mth(0, treeSize);
  }

  /**
   * The audit path of leaf {@code index} in the tree of size {@code treeSize}, {@code PATH(m,
   * D[n])}: sibling hashes from the leaf up.
   */
  public List<byte[]> inclusionPath(long index, long treeSize) {
    checkTreeSize(treeSize);
    checkIndex(index, treeSize);
    List<byte[]> out = new ArrayList<>();
    path(index, 0, treeSize, out);
    return out;
  }

  /**
   * The consistency proof between the tree of {@code oldSize} leaves and the tree of {@code
   * newSize} leaves, {@code PROOF(m, D[n])}; empty when {@code oldSize} is 0 or equals {@code
   * newSize}.
   */
  public List<byte[]> consistencyPath(long oldSize, long newSize) {
    checkTreeSize(newSize);
    if (oldSize < 0 || oldSize > newSize) {
      throw new IllegalArgumentException("old size " + oldSize + " is outside 0.." + newSize);
    }
    List<byte[]> out = new ArrayList<>();
    if (oldSize == 0 || oldSize == newSize) {
      return out;
    }
    subproof(oldSize, 0, newSize, true, out);
    return out;
  }

  // PATH(m, D[lo:hi]) with m relative to lo, output bottom-up.
  private void path(long m, long lo, long hi, List<byte[]> out) {
    long n = hi - lo;
    if (n == 1) {
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m < k) {
      path(m, lo, lo + k, out);
      out.add(mth(lo + k, hi));
    } else {
      path(m - k, lo + k, hi, out);
      out.add(mth(lo, lo + k));
    }
  }

  // SUBPROOF(m, D[lo:hi], b), output bottom-up.
  private void subproof(long m, long lo, long hi, boolean b, List<byte[]> out) {
    long n = hi - lo;
    if (m == n) {
      if (!b) {
        out.add(mth(lo, hi));
      }
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      subproof(m, lo, lo + k, b, out);
      out.add(mth(lo + k, hi));
    } else {
      subproof(m - k, lo + k, hi, false, out);
      out.add(mth(lo, lo + k));
    }
  }

  /** MTH(D[lo:hi]) for 0 <= lo < hi <= size, using stored complete subtrees. */
  private byte[] mth(long lo, long hi) {
    long n = hi - lo;
    if (Long.bitCount(n) == 1 && (lo & (n - 1)) == 0) {
      int height = Long.numberOfTrailingZeros(n);
      return levels.get(height).get(lo >>> height);
    }
    long k = largestPowerOfTwoBelow(n);
    byte[] left = mth(lo, lo + k);
    byte[] right = mth(lo + k, hi);
    return nodeHash(left, right);
  }

  /** {@code SHA-256(0x01 || left || right)}. */
  public byte[] nodeHash(byte[] left, byte[] right) {
    sha.reset();
    sha.update((byte) 0x01);
    sha.update(left);
    sha.update(right);
    return sha.digest();
  }

  private void nodeHash(HashArray a, long i, HashArray b, long j, byte[] out) {
    sha.reset();
    sha.update((byte) 0x01);
    a.update(sha, i);
    b.update(sha, j);
    try {
      sha.digest(out, 0, HASH_SIZE);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException("SHA-256 digest into a 32-byte buffer failed", e);
    }
  }

  /** The largest power of two strictly below {@code n} (n >= 2). */
  static long largestPowerOfTwoBelow(long n) {
    return Long.highestOneBit(n - 1);
  }

  private void checkTreeSize(long treeSize) {
    if (treeSize < 1 || treeSize > size) {
      throw new IllegalArgumentException("tree size " + treeSize + " is outside 1.." + size);
    }
  }

  private static void checkIndex(long index, long treeSize) {
    if (index < 0 || index >= treeSize) {
      throw new IllegalArgumentException("leaf index " + index + " is outside 0.." + (treeSize - 1));
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** A growable array of 32-byte hashes in one byte[] per chunk (no per-hash object). */
  private static final class HashArray {
    private static final int CHUNK_HASHES = 1 << 15; // 1 MiB per chunk
    private final List<byte[]> chunks = new ArrayList<>();
    private long size;

    long size() {
      return size;
    }

    void add(byte[] src, int off) {
      int c = (int) (size / CHUNK_HASHES);
      int i = (int) (size % CHUNK_HASHES);
      if (c == chunks.size()) {
        chunks.add(new byte[HASH_SIZE * Math.min(CHUNK_HASHES, 64 << Math.min(c, 9))]);
      }
      byte[] chunk = chunks.get(c);
      if ((i + 1) * HASH_SIZE > chunk.length) {
        chunk = Arrays.copyOf(chunk, Math.min(CHUNK_HASHES * HASH_SIZE, chunk.length * 2));
        chunks.set(c, chunk);
      }
      System.arraycopy(src, off, chunk, i * HASH_SIZE, HASH_SIZE);
      size++;
    }

    byte[] get(long index) {
      byte[] chunk = chunks.get((int) (index / CHUNK_HASHES));
      int off = (int) (index % CHUNK_HASHES) * HASH_SIZE;
      return Arrays.copyOfRange(chunk, off, off + HASH_SIZE);
    }

    void update(MessageDigest md, long index) {
      byte[] chunk = chunks.get((int) (index / CHUNK_HASHES));
      md.update(chunk, (int) (index % CHUNK_HASHES) * HASH_SIZE, HASH_SIZE);
    }
  }
}
