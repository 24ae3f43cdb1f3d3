package io.datawarehouse.tamperproof.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.tamperproof.internal.MerkleTree;
import io.datawarehouse.tamperproof.internal.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The independent verifier against the writer's tree: every proof the writer makes verifies, and
 * any alteration of the inputs (leaf, index, size, root, any path element, path length) is caught.
 */
class LedgerVerifierTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final int MAX_SIZE = 600;
  private static final long SEED = 20260101L;
  private static final MerkleTree tree = new MerkleTree();
  private static final List<byte[]> leaves = new ArrayList<>();
  private static final Path keyDir;
  private static final SigningKey key;

  static {
    // one tree for every try (seeded: the same tree in every run)
    SplittableRandom rnd = new SplittableRandom(SEED);
    for (int i = 0; i < MAX_SIZE; i++) {
      byte[] e = new byte[rnd.nextInt(0, 64)];
      rnd.nextBytes(e);
      leaves.add(tree.appendEntry(e));
    }
    try {
      Path base = Path.of(System.getProperty("dw.test.tmp", System.getProperty("java.io.tmpdir")));
      Files.createDirectories(base);
      keyDir = Files.createTempDirectory(base, "verifier-key");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    key = SigningKey.create(keyDir.resolve("k"), keyDir.resolve("k.pub"));
  }

  record Inclusion(long size, long index) {}

  record Consistency(long from, long to) {}

  @Provide
  Arbitrary<Inclusion> inclusions() {
    return Arbitraries.longs().between(1, MAX_SIZE)
        .flatMap(size -> Arbitraries.longs().between(0, size - 1).map(i -> new Inclusion(size, i)));
  }

  @Provide
  Arbitrary<Consistency> consistencies() {
    return Arbitraries.longs().between(1, MAX_SIZE)
        .flatMap(to -> Arbitraries.longs().between(1, to).map(from -> new Consistency(from, to)));
  }

  @Property(tries = 300)
  void inclusion_writerProof_verifies(@ForAll("inclusions") Inclusion c) {
    List<String> path = hex(tree.inclusionPath(c.index(), c.size()));
    Verification v = LedgerVerifier.checkInclusion(c.index(), c.size(), leaves.get((int) c.index()), path, tree.rootAt(c.size()));
    assertThat(v.valid()).as(v.reason()).isTrue();
  }

  @Property(tries = 300)
  void inclusion_anyAlteredInput_fails(@ForAll("inclusions") Inclusion c, @ForAll("alterations") int which) {
    long index = c.index();
    long size = c.size();
    byte[] leaf = leaves.get((int) index).clone();
    byte[] root = tree.rootAt(size).clone();
    List<String> path = new ArrayList<>(hex(tree.inclusionPath(index, size)));
    switch (which % 8) {
      case 0 -> leaf[which % 32] ^= 1;
      case 1 -> root[which % 32] ^= (byte) 0x80;
      case 2 -> index = index == 0 ? 1 : index - 1;
      case 3 -> size = which % 2 == 0 || size == 1 ? size * 2 : size / 2; // another height
      case 4 -> {
        if (path.isEmpty()) {
          path.add(HEX.formatHex(root));
        } else {
          int i = which % path.size();
          byte[] h = HEX.parseHex(path.get(i));
          h[(which / 8) % 32] ^= 4;
          path.set(i, HEX.formatHex(h));
        }
      }
      case 5 -> {
        if (path.isEmpty()) {
          path.add(HEX.formatHex(leaf));
        } else {
          path.remove(path.size() - 1);
        }
      }
      case 6 -> path.add(HEX.formatHex(root));
      default -> path.add(0, HEX.formatHex(leaf));
    }
    if (index >= size && which % 8 == 2) {
      index = size; // a one-leaf tree: shifting the index leaves the tree
    }
    Verification v = LedgerVerifier.checkInclusion(index, size, leaf, path, root);
    assertThat(v.valid()).as("alteration %d of %s", which % 8, c).isFalse();
    assertThat(v.reason()).isNotBlank();
  }

  @Property(tries = 300)
  void consistency_writerProof_verifies(@ForAll("consistencies") Consistency c) {
    List<String> path = hex(tree.consistencyPath(c.from(), c.to()));
    Verification v = LedgerVerifier.checkConsistency(c.from(), c.to(), path, tree.rootAt(c.from()), tree.rootAt(c.to()));
    assertThat(v.valid()).as(v.reason()).isTrue();
  }

  @Property(tries = 300)
  void consistency_anyAlteredInput_fails(@ForAll("consistencies") Consistency c, @ForAll("alterations") int which) {
    long from = c.from();
    long to = c.to();
    byte[] r1 = tree.rootAt(from).clone();
    byte[] r2 = tree.rootAt(to).clone();
    List<String> path = new ArrayList<>(hex(tree.consistencyPath(from, to)));
    switch (which % 7) {
      case 0 -> r1[which % 32] ^= 1;
      case 1 -> r2[which % 32] ^= 2;
      case 2 -> {
        if (path.isEmpty()) {
          path.add(HEX.formatHex(r1));
        } else {
          int i = which % path.size();
          byte[] h = HEX.parseHex(path.get(i));
          h[(which / 7) % 32] ^= 16;
          path.set(i, HEX.formatHex(h));
        }
      }
      case 3 -> {
        if (path.isEmpty()) {
          path.add(HEX.formatHex(r2));
        } else {
          path.remove(path.size() - 1);
        }
      }
      case 4 -> path.add(HEX.formatHex(r2));
      case 5 -> {
        // a different older size against the same proof and roots
        from = from == to ? from - 1 : from + 1;
        if (from == 0) {
          r1[0] ^= 1; // a one-leaf tree has no other older size: alter its root instead
          from = c.from();
        }
      }
      default -> {
        byte[] t = r1;
        r1 = r2;
        r2 = t;
        if (from == to) {
          path.add(HEX.formatHex(r1)); // equal trees: swapping changes nothing, so add an element
        }
      }
    }
    Verification v = LedgerVerifier.checkConsistency(from, to, path, r1, r2);
    assertThat(v.valid()).as("alteration %d of %s", which % 7, c).isFalse();
  }

  @Provide
  Arbitrary<Integer> alterations() {
    return Arbitraries.integers().between(0, 10_000);
  }

  @Property(tries = 60)
  void checkpoint_signedByWriter_verifiesAndAnyFieldChangeFails(
      @ForAll("inclusions") Inclusion c, @ForAll("alterations") int which) {
    Checkpoint cp = key.sign(c.size(), tree.rootAt(c.size()), Instant.parse("2026-03-01T10:15:30.123Z"));
    LedgerVerifier verifier = LedgerVerifier.forKey(key.publicKey());
    assertThat(verifier.verifyCheckpoint(cp).valid()).isTrue();
    Checkpoint altered = switch (which % 5) {
      case 0 -> new Checkpoint(cp.origin(), cp.treeSize() + 1, cp.rootHash(), cp.timestamp(), cp.keyId(), cp.signature());
      case 1 -> new Checkpoint(cp.origin(), cp.treeSize(), HEX.formatHex(tree.rootAt(c.size() == 1 ? 2 : c.size() - 1)),
          cp.timestamp(), cp.keyId(), cp.signature());
      case 2 -> new Checkpoint(cp.origin(), cp.treeSize(), cp.rootHash(), cp.timestamp().plusMillis(1), cp.keyId(), cp.signature());
      case 3 -> new Checkpoint(cp.origin() + "x", cp.treeSize(), cp.rootHash(), cp.timestamp(), cp.keyId(), cp.signature());
      default -> {
        byte[] sig = HEX.parseHex(cp.signature());
        sig[which % sig.length] ^= 1;
        yield new Checkpoint(cp.origin(), cp.treeSize(), cp.rootHash(), cp.timestamp(), cp.keyId(), HEX.formatHex(sig));
      }
    };
    assertThat(verifier.verifyCheckpoint(altered).valid()).as("alteration %d", which % 5).isFalse();
  }

  @Test
  void verifyInclusion_entryAndCheckpoint_verifiesEndToEnd() {
    Checkpoint cp = key.sign(37, tree.rootAt(37), Instant.parse("2026-01-01T00:00:00Z"));
    MerkleTree t = new MerkleTree();
    List<byte[]> entries = new ArrayList<>();
    for (int i = 0; i < 37; i++) {
      byte[] e = ("entry " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      entries.add(e);
      t.appendEntry(e);
    }
    Checkpoint own = key.sign(37, t.rootAt(37), Instant.parse("2026-01-01T00:00:00Z"));
    LedgerVerifier verifier = LedgerVerifier.forKey(key.publicKey());
    InclusionProof proof = new InclusionProof(12, 37, hex(t.inclusionPath(12, 37)));
    assertThat(verifier.verifyInclusion(entries.get(12), proof, own).valid()).isTrue();
    assertThat(verifier.verifyInclusion(entries.get(13), proof, own).valid()).isFalse();
    assertThat(verifier.verifyInclusion(entries.get(12), proof, cp).reason()).contains("leads to root");
  }

  @Test
  void verifyConsistency_checkpointsOfOneLog_verifyAndOtherKeyFails(@TempDir Path dir) {
    Checkpoint older = key.sign(100, tree.rootAt(100), Instant.parse("2026-01-01T00:00:00Z"));
    Checkpoint newer = key.sign(250, tree.rootAt(250), Instant.parse("2026-01-02T00:00:00Z"));
    ConsistencyProof proof = new ConsistencyProof(100, 250, hex(tree.consistencyPath(100, 250)));
    assertThat(LedgerVerifier.forKey(key.publicKey()).verifyConsistency(proof, older, newer).valid()).isTrue();
    assertThat(LedgerVerifier.forKey(key.publicKey()).verifyConsistency(proof, newer, older).valid()).isFalse();
    SigningKey other = SigningKey.create(dir.resolve("other.key"), dir.resolve("other.pub"));
    Verification v = LedgerVerifier.forKey(other.publicKey()).verifyConsistency(proof, older, newer);
    assertThat(v.valid()).isFalse();
    assertThat(v.reason()).contains("trusted key is " + other.keyId());
  }

  @Test
  void forKeyFile_publicKeyPem_readsTheSameKey() {
    LedgerVerifier v = LedgerVerifier.forKeyFile(keyDir.resolve("k.pub"));
    assertThat(v.keyId()).isEqualTo(key.keyId());
  }

  private static List<String> hex(List<byte[]> hashes) {
    return hashes.stream().map(HEX::formatHex).toList();
  }
}
