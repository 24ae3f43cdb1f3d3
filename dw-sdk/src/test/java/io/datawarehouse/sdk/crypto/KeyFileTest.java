package io.datawarehouse.sdk.crypto;

import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertCode;
import static io.datawarehouse.sdk.crypto.CryptoAssertions.assertIntegrity;
import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.config.Secret;
import io.datawarehouse.sdk.io.FramedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key files: passphrases and raw keys open the same data keys, passphrase changes and key
 * rotation leave old data readable, wrong secrets are PERMISSION_DENIED, tampering is INTEGRITY.
 * Passphrase slots cost one 600,000-iteration PBKDF2 each, so most tamper tests use raw-key slots.
 */
class KeyFileTest {
  private static final Secret ALICE = Secret.of("alice: correct horse battery staple");
  private static final Secret BOB = Secret.of("bob: tr0ub4dor&3");
  private static final byte[] AD = new byte[0];

  @TempDir
  Path dir;

  @Test
  void unlock_withThePassphrase_opensTheSameDataKey() {
    Path path = dir.resolve("keys.dwk");
    byte[] secretMessage;
    KeyId primary;
    try (KeyFile kf = KeyFile.create(path, "alice", ALICE)) {
      primary = kf.primaryKeyId();
      secretMessage = Aead.create(kf.keyring()).encrypt("hello".getBytes(StandardCharsets.UTF_8), AD);
      assertThat(kf.generation()).isEqualTo(1);
    }
    try (KeyFile kf = KeyFile.unlock(path, ALICE)) {
      assertThat(kf.primaryKeyId()).isEqualTo(primary);
      assertThat(Aead.create(kf.keyring()).decrypt(secretMessage, AD)).asString(StandardCharsets.UTF_8).isEqualTo("hello");
      assertThat(kf.slots()).containsExactly(new KeyFile.Slot("alice", KeyFile.SlotKind.PASSPHRASE, 600_000, null));
    }
    assertThat(dir.toFile().list()).containsExactly("keys.dwk");
  }

  @Test
  void unlock_wrongPassphrase_isPermissionDeniedWithoutTheSecret() {
    Path path = dir.resolve("keys.dwk");
    KeyFile.create(path, "alice", ALICE).close();
    DwException e = assertCode(ErrorCode.PERMISSION_DENIED, () -> KeyFile.unlock(path, Secret.of("alice: wrong")));
    assertThat(e.getMessage()).contains("wrong passphrase").contains(path.toString()).contains("alice").doesNotContain("wrong\"")
        .doesNotContain("correct horse");
    assertCode(ErrorCode.PERMISSION_DENIED, () -> KeyFile.unlock(path, AeadKey.generate()));
  }

  @Test
  void severalPassphrases_openTheSameKeys_andChangingOneKeepsDataReadable() {
    Path path = dir.resolve("keys.dwk");
    byte[] message;
    try (KeyFile kf = KeyFile.create(path, "alice", ALICE)) {
      kf.addPassphrase("bob", BOB);
      message = Aead.create(kf.keyring()).encrypt(new byte[] {42}, AD);
    }
    try (KeyFile kf = KeyFile.unlock(path, BOB)) {
      assertThat(Aead.create(kf.keyring()).decrypt(message, AD)).containsExactly(42);
      kf.changePassphrase("alice", Secret.of("alice: new passphrase"));
    }
    assertCode(ErrorCode.PERMISSION_DENIED, () -> KeyFile.unlock(path, ALICE));
    try (KeyFile kf = KeyFile.unlock(path, Secret.of("alice: new passphrase"))) {
      assertThat(Aead.create(kf.keyring()).decrypt(message, AD)).containsExactly(42);
      kf.removeSlot("bob");
      assertThat(kf.slots()).extracting(KeyFile.Slot::label).containsExactly("alice");
      assertCode(ErrorCode.FAILED_PRECONDITION, () -> kf.removeSlot("alice"));
    }
    assertCode(ErrorCode.PERMISSION_DENIED, () -> KeyFile.unlock(path, BOB));
  }

  @Test
  void rotateDataKey_newDataUnderNewKey_oldDataStillReadable() throws IOException {
    Path path = dir.resolve("keys.dwk");
    AeadKey kek = AeadKey.generate();
    byte[] oldMessage;
    byte[] oldStream;
    KeyId first;
    KeyId second;
    try (KeyFile kf = KeyFile.create(path, "vault", kek)) {
      first = kf.primaryKeyId();
      oldMessage = Aead.create(kf.keyring()).encrypt(new byte[] {1}, AD);
      oldStream = StreamingAeadTest.encrypt(StreamingAead.create(kf.keyring(), 64), new byte[300], AD, new java.util.SplittableRandom(1));
      second = kf.rotateDataKey();
      assertThat(second).isNotEqualTo(first);
    }
    try (KeyFile kf = KeyFile.unlock(path, kek)) {
      assertThat(kf.primaryKeyId()).isEqualTo(second);
      assertThat(kf.keyIds()).containsExactly(first, second);
      Keyring keys = kf.keyring();
      assertThat(keys.primary().id()).isEqualTo(second);
      assertThat(Aead.create(keys).decrypt(oldMessage, AD)).containsExactly(1);
      assertThat(StreamingAeadTest.readChannel(StreamingAead.create(keys), oldStream, AD)).isEqualTo(new byte[300]);
      assertThat(Aead.keyIdOf(Aead.create(keys).encrypt(new byte[1], AD))).isEqualTo(second);

      assertCode(ErrorCode.FAILED_PRECONDITION, () -> kf.removeDataKey(second));
      kf.removeDataKey(first);
      assertCode(ErrorCode.NOT_FOUND, () -> kf.removeDataKey(first));
    }
    try (KeyFile kf = KeyFile.unlock(path, kek)) {
      assertThat(kf.keyIds()).containsExactly(second);
      assertIntegrity(() -> Aead.create(kf.keyring()).decrypt(oldMessage, AD));
    }
  }

  @Test
  void rawKeySlots_openTheFile_andAWrongKeyIsPermissionDenied() {
    Path path = dir.resolve("keys.dwk");
    AeadKey ops = AeadKey.generate();
    KeyId primary;
    try (KeyFile kf = KeyFile.create(path, "alice", ALICE)) {
      kf.addKey("ops", ops);
      primary = kf.primaryKeyId();
      assertCode(ErrorCode.ALREADY_EXISTS, () -> kf.addKey("ops", AeadKey.generate()));
      assertCode(ErrorCode.FAILED_PRECONDITION, () -> kf.changePassphrase("ops", BOB));
      assertCode(ErrorCode.NOT_FOUND, () -> kf.removeSlot("nobody"));
    }
    try (KeyFile kf = KeyFile.unlock(path, AeadKey.fromBase64(ops.toBase64()))) {
      assertThat(kf.primaryKeyId()).isEqualTo(primary);
      assertThat(kf.slots()).extracting(KeyFile.Slot::kind).containsExactly(KeyFile.SlotKind.PASSPHRASE, KeyFile.SlotKind.KEY);
    }
    DwException e = assertCode(ErrorCode.PERMISSION_DENIED, () -> KeyFile.unlock(path, AeadKey.generate()));
    assertThat(e.getMessage()).contains("opens no slot").contains("ops(key " + ops.id() + ")");
  }

  @Test
  void unlock_passphraseOnAFileWithOnlyKeySlots_isPermissionDenied() {
    Path path = dir.resolve("keys.dwk");
    KeyFile.create(path, "k", AeadKey.generate()).close();
    assertCode(ErrorCode.PERMISSION_DENIED, () -> KeyFile.unlock(path, ALICE));
  }

  @Test
  void unlock_anyByteFlipped_isIntegrityError() throws IOException {
    Path path = dir.resolve("keys.dwk");
    AeadKey kek = AeadKey.generate();
    KeyFile.create(path, "k", kek).close();
    byte[] good = Files.readAllBytes(path);
    for (int i = 0; i < good.length; i++) {
      byte[] bad = good.clone();
      bad[i] ^= 0x01;
      Files.write(path, bad);
      var e = assertIntegrity(() -> KeyFile.unlock(path, kek));
      assertThat(e.getMessage()).contains(path.toString());
    }
  }

  /**
   * A deliberate change that also fixes the CRC32C: every byte of the body is covered by the slot
   * check, the GCM tags or the MAC. Changes to what identifies the KEK (file id, key id, check)
   * make the key fail to open the slot (PERMISSION_DENIED); everything else is INTEGRITY.
   */
  @Test
  void unlock_anyBodyByteChangedWithTheChecksumRecomputed_isRejected() throws IOException {
    Path path = dir.resolve("keys.dwk");
    AeadKey kek = AeadKey.generate();
    try (KeyFile kf = KeyFile.create(path, "k", kek)) {
      kf.rotateDataKey();
    }
    byte[] good = Files.readAllBytes(path);
    int integrity = 0;
    for (int i = 16; i < good.length - 4; i++) {
      byte[] bad = good.clone();
      bad[i] ^= 0x01;
      Files.write(path, withCrc(bad));
      try {
        KeyFile.unlock(path, kek).close();
        throw new AssertionError("a change at byte " + i + " was accepted");
      } catch (DwException e) {
        assertThat(e.code()).as("byte %d: %s", i, e.getMessage()).isIn(ErrorCode.INTEGRITY, ErrorCode.PERMISSION_DENIED);
        integrity += e.code() == ErrorCode.INTEGRITY ? 1 : 0;
      }
    }
    // generation (8), primary (8), label, wrapped keys, mac... are all INTEGRITY
    assertThat(integrity).isGreaterThan(good.length / 2);
  }

  @Test
  void change_afterAnotherWriterChangedTheFile_isConflict() {
    Path path = dir.resolve("keys.dwk");
    AeadKey kek = AeadKey.generate();
    KeyFile.create(path, "k", kek).close();
    try (KeyFile a = KeyFile.unlock(path, kek); KeyFile b = KeyFile.unlock(path, kek)) {
      a.rotateDataKey();
      DwException e = assertCode(ErrorCode.CONFLICT, b::rotateDataKey);
      assertThat(e.getMessage()).contains("generation 2 vs 1");
    }
    try (KeyFile kf = KeyFile.unlock(path, kek)) {
      assertThat(kf.keyIds()).hasSize(2);
    }
  }

  @Test
  void create_existing_isAlreadyExists_andUnlockMissing_isNotFound() {
    Path path = dir.resolve("keys.dwk");
    KeyFile.create(path, "k", AeadKey.generate()).close();
    assertCode(ErrorCode.ALREADY_EXISTS, () -> KeyFile.create(path, "k", AeadKey.generate()));
    assertCode(ErrorCode.NOT_FOUND, () -> KeyFile.unlock(dir.resolve("missing.dwk"), AeadKey.generate()));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> KeyFile.create(dir.resolve("other.dwk"), " padded", AeadKey.generate()));
    assertCode(ErrorCode.INVALID_ARGUMENT, () -> KeyFile.create(dir.resolve("other.dwk"), "x".repeat(65), AeadKey.generate()));
  }

  @Test
  void close_destroysItsKeysButNotTheKeyringsHandedOut() {
    Path path = dir.resolve("keys.dwk");
    KeyFile kf = KeyFile.create(path, "k", AeadKey.generate());
    Keyring keys = kf.keyring();
    kf.close();
    assertThat(keys.isDestroyed()).isFalse();
    Aead.create(keys).encrypt(new byte[1], AD);
    assertCode(ErrorCode.FAILED_PRECONDITION, kf::keyring);
    assertCode(ErrorCode.FAILED_PRECONDITION, kf::rotateDataKey);
  }

  @Test
  void file_isFramedWithMagicAndVersion() throws IOException {
    Path path = dir.resolve("keys.dwk");
    KeyFile.create(path, "k", AeadKey.generate()).close();
    byte[] raw = Files.readAllBytes(path);
    assertThat(new String(raw, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("DWKF");
    assertThat(FramedFile.read(path, KeyFile.MAGIC, 1, 1).version()).isEqualTo(KeyFile.VERSION);
  }

  @Test
  void toString_showsIdsAndLabelsOnly() {
    Path path = dir.resolve("keys.dwk");
    AeadKey kek = AeadKey.generate();
    try (KeyFile kf = KeyFile.create(path, "ops", kek)) {
      String s = kf.toString();
      assertThat(s).contains(path.toString()).contains("ops(key " + kek.id() + ")").contains(kf.primaryKeyId().toString());
      List<AeadKey> keys = kf.keyring().keys();
      for (AeadKey k : keys) {
        assertThat(s).doesNotContain(k.toBase64().reveal()).doesNotContain(CryptoAssertions.hex(k.bytes()));
      }
    }
  }

  private static byte[] withCrc(byte[] file) {
    CRC32C crc = new CRC32C();
    crc.update(file, 0, file.length - 4);
    byte[] out = Arrays.copyOf(file, file.length);
    int v = (int) crc.getValue();
    out[out.length - 4] = (byte) (v >>> 24);
    out[out.length - 3] = (byte) (v >>> 16);
    out[out.length - 2] = (byte) (v >>> 8);
    out[out.length - 1] = (byte) v;
    return out;
  }
}
