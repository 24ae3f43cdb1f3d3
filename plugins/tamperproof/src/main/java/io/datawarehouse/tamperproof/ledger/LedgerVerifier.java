package io.datawarehouse.tamperproof.ledger;

import io.datawarehouse.sdk.DwException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Checks the ledger's signed checkpoints and its inclusion and consistency proofs with nothing but
 * the proofs, the checkpoints and the log's public key: no access to the store, and no code shared
 * with the writer beyond the JDK's SHA-256 and Ed25519. The writer computes proofs with RFC 6962's
 * recursive definitions; this class checks them with the iterative algorithms of RFC 9162
 * (sections 2.1.3.2 and 2.1.4.2), so a mistake in one is caught by the other.
 *
 * <p>The algorithms in RFC 9162's names: {@code fn}/{@code sn} are the indices of the node being
 * built in the first/second tree as they climb (shifted right one level per step), {@code r} (or
 * {@code fr}/{@code sr}) the hash built so far. A path element is hashed on the left when the node
 * is a right child ({@code fn} odd) or the last node of its level ({@code fn == sn}); in the latter
 * case the levels where the node has no sibling are skipped.
 *
 * <p>Immutable and thread-safe (a new {@link MessageDigest} and {@link Signature} per call).
 */
public final class LedgerVerifier {
  private static final HexFormat HEX = HexFormat.of();
  private static final int HASH_SIZE = 32;

  private final PublicKey publicKey;
  private final String keyId;

  private LedgerVerifier(PublicKey publicKey) {
    this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
    if (!"Ed25519".equalsIgnoreCase(publicKey.getAlgorithm()) && !"EdDSA".equalsIgnoreCase(publicKey.getAlgorithm())) {
      throw DwException.invalidArgument("the ledger's key is Ed25519, this key is " + publicKey.getAlgorithm());
    }
    this.keyId = keyIdOf(publicKey);
  }

  /** A verifier for checkpoints signed with the private half of {@code publicKey}. */
  public static LedgerVerifier forKey(PublicKey publicKey) {
    return new LedgerVerifier(publicKey);
  }

  /** A verifier for the public key in a PEM file ({@code -----BEGIN PUBLIC KEY-----}, X.509). */
  public static LedgerVerifier forKeyFile(Path pemFile) {
    try {
      return forKey(parsePublicKey(Files.readString(pemFile, StandardCharsets.US_ASCII)));
    } catch (IOException e) {
      throw DwException.of(io.datawarehouse.sdk.ErrorCode.NOT_FOUND, "cannot read the ledger's public key " + pemFile + ": " + e.getMessage(), e);
    }
  }

  /** Parses a PEM-encoded Ed25519 public key. */
  public static PublicKey parsePublicKey(String pem) {
    String body = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "")
        .replaceAll("\\s", "");
    try {
      byte[] der = Base64.getDecoder().decode(body);
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw DwException.invalidArgument("not a PEM Ed25519 public key: " + e.getMessage());
    }
  }

  /** The key id of {@code key}: the first 8 bytes of SHA-256 of its X.509 encoding, hex. */
  public static String keyIdOf(PublicKey key) {
    byte[] h = sha256().digest(key.getEncoded());
    return HEX.formatHex(h, 0, 8);
  }

  /** The id of the key this verifier trusts. */
  public String keyId() {
    return keyId;
  }

  /** The text a checkpoint's signature covers (see {@link Checkpoint}). */
  public static byte[] signedText(Checkpoint c) {
    String text = Checkpoint.HEADER + "\n" + c.origin() + "\n" + c.treeSize() + "\n" + c.rootHash() + "\n"
        + c.timestamp() + "\n";
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether {@code c} was signed by this verifier's key and is well formed. */
  public Verification verifyCheckpoint(Checkpoint c) {
    if (!keyId.equals(c.keyId())) {
      return Verification.failed("checkpoint of size " + c.treeSize() + " is signed by key " + c.keyId()
          + ", but the trusted key is " + keyId);
    }
    if (decodeHash(c.rootHash()) == null) {
      return Verification.failed("checkpoint of size " + c.treeSize() + " has a malformed root hash '" + c.rootHash() + "'");
    }
    if (c.origin().contains("\n") || c.origin().isBlank()) {
      return Verification.failed("checkpoint has a malformed origin");
    }
    byte[] sig;
    try {
      sig = HEX.parseHex(c.signature());
    } catch (IllegalArgumentException e) {
      return Verification.failed("checkpoint of size " + c.treeSize() + " has a malformed signature (not hex)");
    }
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(publicKey);
      s.update(signedText(c));
      if (!s.verify(sig)) {
        return Verification.failed("the signature of checkpoint " + c + " does not verify with key " + keyId
            + ": the checkpoint was altered or not signed by this ledger");
      }
    } catch (GeneralSecurityException e) {
      return Verification.failed("the signature of checkpoint " + c + " cannot be checked: " + e.getMessage());
    }
    return Verification.ok();
  }

  /**
   * Whether {@code entry} (the ledger entry's exact bytes) is included in the tree {@code
   * checkpoint} signs, by {@code proof}.
   */
  public Verification verifyInclusion(byte[] entry, InclusionProof proof, Checkpoint checkpoint) {
    return verifyInclusionOfLeaf(leafHash(entry), proof, checkpoint);
  }

  /** As {@link #verifyInclusion}, given the leaf hash ({@code SHA-256(0x00 || entry)}) itself. */
  public Verification verifyInclusionOfLeaf(byte[] leafHash, InclusionProof proof, Checkpoint checkpoint) {
    return verifyCheckpoint(checkpoint).and(() -> {
      if (proof.treeSize() != checkpoint.treeSize()) {
        return Verification.failed("the inclusion proof is for a tree of " + proof.treeSize()
            + " entries, the checkpoint covers " + checkpoint.treeSize());
      }
      return checkInclusion(proof.leafIndex(), proof.treeSize(), leafHash, proof.path(), decodeHash(checkpoint.rootHash()));
    });
  }

  /**
   * Whether {@code newer} extends {@code older}: both signed by this key, of the same log, and the
   * proof links their roots.
   */
  public Verification verifyConsistency(ConsistencyProof proof, Checkpoint older, Checkpoint newer) {
    return verifyCheckpoint(older).and(() -> verifyCheckpoint(newer)).and(() -> {
      if (!older.origin().equals(newer.origin())) {
        return Verification.failed("the checkpoints belong to different logs: " + older.origin() + " and " + newer.origin());
      }
      if (proof.fromSize() != older.treeSize() || proof.toSize() != newer.treeSize()) {
        return Verification.failed("the consistency proof links sizes " + proof.fromSize() + " -> " + proof.toSize()
            + ", the checkpoints have " + older.treeSize() + " -> " + newer.treeSize());
      }
      if (newer.timestamp().isBefore(older.timestamp())) {
        return Verification.failed("the larger checkpoint (" + newer.treeSize() + " entries, " + newer.timestamp()
            + ") is dated before the smaller one (" + older.treeSize() + " entries, " + older.timestamp() + ")");
      }
      return checkConsistency(proof.fromSize(), proof.toSize(), proof.path(),
          decodeHash(older.rootHash()), decodeHash(newer.rootHash()));
    });
  }

  /**
   * Whether {@code proof} proves that record {@code proof.recordId()} was written with SHA-256
   * {@code proof.sha256()}: every entry is included in the checkpoint's tree, the checkpoint is
   * signed by this key, and the first entry is that record's WRITE stating that hash. When {@code
   * content} is given, its SHA-256 must be that hash too.
   */
  public Verification verifyRecord(RecordProof proof, byte[] content) {
    if (proof.entries().isEmpty()) {
      return Verification.failed("the proof of record " + proof.recordId() + " has no entries");
    }
    Verification v = verifyCheckpoint(proof.checkpoint());
    for (int i = 0; v.valid() && i < proof.entries().size(); i++) {
      EntryProof ep = proof.entries().get(i);
      byte[] entry;
      try {
        entry = Base64.getDecoder().decode(ep.entry());
      } catch (IllegalArgumentException e) {
        return Verification.failed("entry " + ep.index() + " of the proof is not base64");
      }
      if (ep.proof().leafIndex() != ep.index()) {
        return Verification.failed("entry " + ep.index() + " comes with the proof of entry " + ep.proof().leafIndex());
      }
      v = verifyInclusion(entry, ep.proof(), proof.checkpoint());
      if (v.valid()) {
        v = checkEntryNames(entry, ep.index(), proof, i == 0);
      }
    }
    if (v.valid() && content != null) {
      String actual = HEX.formatHex(sha256().digest(content));
      if (!actual.equals(proof.sha256())) {
        return Verification.failed("record " + proof.recordId() + ": the content's SHA-256 is " + actual
            + ", the ledger says " + proof.sha256());
      }
    }
    return v;
  }

  private static Verification checkEntryNames(byte[] entry, long index, RecordProof proof, boolean first) {
    com.fasterxml.jackson.databind.JsonNode n;
    try {
      n = io.datawarehouse.sdk.json.Json.tree(entry, "ledger entry " + index);
    } catch (DwException e) {
      return Verification.failed("ledger entry " + index + " is not JSON");
    }
    if (n.path("seq").asLong(-1) != index) {
      return Verification.failed("ledger entry " + index + " says it is entry " + n.path("seq").asText());
    }
    if (!proof.recordId().equals(n.path("id").asText(null))) {
      return Verification.failed("ledger entry " + index + " is about record " + n.path("id").asText()
          + ", not " + proof.recordId());
    }
    if (first && (!"WRITE".equals(n.path("type").asText()) || !Objects.equals(proof.sha256(), n.path("sha256").asText(null)))) {
      return Verification.failed("ledger entry " + index + " is not the WRITE of record " + proof.recordId()
          + " with SHA-256 " + proof.sha256() + " (it is a " + n.path("type").asText() + " stating "
          + n.path("sha256").asText() + ")");
    }
    return Verification.ok();
  }

  /**
   * RFC 9162 2.1.3.2: the root an inclusion path leads to, compared with {@code root}. Public for
   * callers that hold a trusted root without a checkpoint.
   */
  public static Verification checkInclusion(long leafIndex, long treeSize, byte[] leafHash, List<String> path, byte[] root) {
    if (leafIndex < 0 || leafIndex >= treeSize) {
      return Verification.failed("leaf index " + leafIndex + " is not inside a tree of " + treeSize + " entries");
    }
    if (leafHash == null || leafHash.length != HASH_SIZE) {
      return Verification.failed("the leaf hash is not 32 bytes");
    }
    if (root == null || root.length != HASH_SIZE) {
      return Verification.failed("the root hash is not 32 bytes");
    }
    MessageDigest md = sha256();
    long fn = leafIndex;
    long sn = treeSize - 1;
    byte[] r = leafHash;
    for (int i = 0; i < path.size(); i++) {
      byte[] p = decodeHash(path.get(i));
      if (p == null) {
        return Verification.failed("inclusion path element " + i + " is not a 32-byte hex hash");
      }
      if (sn == 0) {
        return Verification.failed("the inclusion path is longer than the tree is high (" + path.size() + " elements)");
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = node(md, p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>>= 1;
            sn >>>= 1;
          }
        }
      } else {
        r = node(md, r, p);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    if (sn != 0) {
      return Verification.failed("the inclusion path is too short for leaf " + leafIndex + " of " + treeSize + " entries");
    }
    if (!MessageDigest.isEqual(r, root)) {
      return Verification.failed("the inclusion proof of leaf " + leafIndex + " leads to root " + HEX.formatHex(r)
          + ", the trusted root is " + HEX.formatHex(root));
    }
    return Verification.ok();
  }

  /** RFC 9162 2.1.4.2: whether {@code path} links {@code firstRoot} (size first) to {@code secondRoot}. */
  public static Verification checkConsistency(long first, long second, List<String> path, byte[] firstRoot, byte[] secondRoot) {
    if (first < 0 || second < first) {
      return Verification.failed("a tree of " + first + " entries cannot be a prefix of one of " + second);
    }
    if (firstRoot == null || firstRoot.length != HASH_SIZE || secondRoot == null || secondRoot.length != HASH_SIZE) {
      return Verification.failed("a root hash is not 32 bytes");
    }
    if (first == second) {
      if (!path.isEmpty()) {
        return Verification.failed("trees of the same size need an empty consistency proof, got " + path.size() + " elements");
      }
      return MessageDigest.isEqual(firstRoot, secondRoot) ? Verification.ok()
          : Verification.failed("two trees of " + first + " entries have different roots " + HEX.formatHex(firstRoot)
              + " and " + HEX.formatHex(secondRoot) + ": the ledger was rewritten");
    }
    if (first == 0) {
      return path.isEmpty() ? Verification.ok()
          : Verification.failed("the empty tree needs an empty consistency proof, got " + path.size() + " elements");
    }
    if (path.isEmpty()) {
      return Verification.failed("the consistency proof " + first + " -> " + second + " is empty");
    }
    byte[][] hashes = new byte[path.size() + 1][];
    int n = 0;
    if (Long.bitCount(first) == 1) {
      hashes[n++] = firstRoot;
    }
    for (int i = 0; i < path.size(); i++) {
      byte[] h = decodeHash(path.get(i));
      if (h == null) {
        return Verification.failed("consistency path element " + i + " is not a 32-byte hex hash");
      }
      hashes[n++] = h;
    }
    MessageDigest md = sha256();
    long fn = first - 1;
    long sn = second - 1;
    while ((fn & 1) == 1) {
      fn >>>= 1;
      sn >>>= 1;
    }
    byte[] fr = hashes[0];
    byte[] sr = hashes[0];
    for (int i = 1; i < n; i++) {
      byte[] c = hashes[i];
      if (sn == 0) {
        return Verification.failed("the consistency proof " + first + " -> " + second + " is longer than the tree is high");
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = node(md, c, fr);
        sr = node(md, c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        sr = node(md, sr, c);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    if (sn != 0) {
      return Verification.failed("the consistency proof " + first + " -> " + second + " is too short");
    }
    if (!MessageDigest.isEqual(fr, firstRoot)) {
      return Verification.failed("the consistency proof " + first + " -> " + second + " rebuilds the older root as "
          + HEX.formatHex(fr) + ", the checkpoint says " + HEX.formatHex(firstRoot) + ": the older entries were changed");
    }
    if (!MessageDigest.isEqual(sr, secondRoot)) {
      return Verification.failed("the consistency proof " + first + " -> " + second + " rebuilds the newer root as "
          + HEX.formatHex(sr) + ", the checkpoint says " + HEX.formatHex(secondRoot));
    }
    return Verification.ok();
  }

  /** {@code SHA-256(0x00 || entry)}. */
  public static byte[] leafHash(byte[] entry) {
    MessageDigest md = sha256();
    md.update((byte) 0x00);
    md.update(entry);
    return md.digest();
  }

  /**
   * The tree head of the given leaf hashes, straight from RFC 6962's definition of {@code MTH}: for
   * audits that recompute a root from every entry of a ledger file. {@code O(n)} hashes, {@code
   * O(log n)} stack.
   */
  public static byte[] treeHead(List<byte[]> leafHashes) {
    MessageDigest md = sha256();
    if (leafHashes.isEmpty()) {
      return md.digest();
    }
    return mth(md, leafHashes, 0, leafHashes.size());
  }

  private static byte[] mth(MessageDigest md, List<byte[]> leaves, int lo, int hi) {
    if (hi - lo == 1) {
      return leaves.get(lo);
    }
    int k = Integer.highestOneBit(hi - lo - 1);
    byte[] left = mth(md, leaves, lo, lo + k);
    byte[] right = mth(md, leaves, lo + k, hi);
    return node(md, left, right);
  }

  private static byte[] node(MessageDigest md, byte[] left, byte[] right) {
    md.reset();
    md.update((byte) 0x01);
    md.update(left);
    md.update(right);
    return md.digest();
  }

  /** 32 bytes from 64 hex characters, or null when it is not that. */
  private static byte[] decodeHash(String hex) {
    if (hex == null || hex.length() != 2 * HASH_SIZE) {
      return null;
    }
    try {
      return HEX.parseHex(hex);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
