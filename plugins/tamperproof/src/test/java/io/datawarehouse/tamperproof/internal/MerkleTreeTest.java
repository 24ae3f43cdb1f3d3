package io.datawarehouse.tamperproof.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.tamperproof.ledger.LedgerVerifier;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The writer's tree against published RFC 6962 values: the reference roots, audit paths and
 * consistency proofs of the eight-leaf example tree used by Certificate Transparency's reference
 * implementation (transparency-dev/merkle, proof/verify_test.go; also in the Go CT code since 2017).
 */
class MerkleTreeTest {
  private static final HexFormat HEX = HexFormat.of();

  /** The eight leaves of the reference tree (entry bytes, not hashes). */
  static final String[] LEAVES = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"
  };

  /** Reference roots of the trees of the first 1..8 leaves. */
  static final String[] ROOTS = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };

  static MerkleTree referenceTree() {
    MerkleTree t = new MerkleTree();
    for (String leaf : LEAVES) {
      t.appendEntry(HEX.parseHex(leaf));
    }
    return t;
  }

  @Test
  void rootAt_referenceTree_matchesPublishedRoots() {
    MerkleTree t = referenceTree();
    for (int size = 1; size <= 8; size++) {
      assertThat(HEX.formatHex(t.rootAt(size))).as("root of %d leaves", size).isEqualTo(ROOTS[size - 1]);
    }
  }

  @Test
  void rootAt_incrementalTree_matchesPublishedRootAfterEachAppend() {
    MerkleTree t = new MerkleTree();
    for (int i = 0; i < LEAVES.length; i++) {
      t.appendEntry(HEX.parseHex(LEAVES[i]));
      assertThat(HEX.formatHex(t.root())).isEqualTo(ROOTS[i]);
    }
  }

  @Test
  void rootAt_emptyTree_isSha256OfNothing() {
    assertThat(HEX.formatHex(new MerkleTree().root()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void inclusionPath_referenceTree_matchesPublishedPaths() {
    MerkleTree t = referenceTree();
    assertThat(hex(t.inclusionPath(0, 1))).isEmpty();
    assertThat(hex(t.inclusionPath(0, 8))).containsExactly(
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
    assertThat(hex(t.inclusionPath(5, 8))).containsExactly(
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    assertThat(hex(t.inclusionPath(2, 3))).containsExactly(
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    assertThat(hex(t.inclusionPath(1, 5))).containsExactly(
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
  }

  @Test
  void consistencyPath_referenceTree_matchesPublishedProofs() {
    MerkleTree t = referenceTree();
    assertThat(hex(t.consistencyPath(1, 1))).isEmpty();
    assertThat(hex(t.consistencyPath(1, 8))).containsExactly(
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
    assertThat(hex(t.consistencyPath(6, 8))).containsExactly(
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    assertThat(hex(t.consistencyPath(2, 5))).containsExactly(
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
    assertThat(hex(t.consistencyPath(6, 7))).containsExactly(
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
  }

  @Test
  void rootAt_everySizeUpTo1100_equalsTheDefinitionComputedFromScratch() {
    long seed = 0x6962L;
    SplittableRandom rnd = new SplittableRandom(seed);
    MerkleTree t = new MerkleTree();
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < 1100; i++) {
      byte[] e = new byte[rnd.nextInt(1, 40)];
      rnd.nextBytes(e);
      leaves.add(t.appendEntry(e));
    }
    for (int size = 1; size <= 1100; size++) {
      assertThat(t.rootAt(size)).as("size %d (seed %d)", size, seed)
          .isEqualTo(LedgerVerifier.treeHead(leaves.subList(0, size)));
    }
  }

  @Test
  void inclusionPath_indexOutsideTree_isRejected() {
    MerkleTree t = referenceTree();
    assertThatThrownBy(() -> t.inclusionPath(8, 8)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.inclusionPath(0, 9)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.consistencyPath(5, 4)).isInstanceOf(IllegalArgumentException.class);
  }

  private static List<String> hex(List<byte[]> hashes) {
    return hashes.stream().map(HEX::formatHex).toList();
  }
}
