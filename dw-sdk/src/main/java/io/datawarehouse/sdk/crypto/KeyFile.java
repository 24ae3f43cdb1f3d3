package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.config.Secret;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.spec.SecretKeySpec;

/**
 * A small key file: the data keys of one owner (a {@link Keyring}), wrapped so that any of several
 * passphrases or raw keys opens them. Passphrases can be added, changed and removed, and data keys
 * rotated, without re-encrypting any data.
 *
 * <pre>{@code
 * try (KeyFile kf = KeyFile.create(dir.resolve("keys.dwk"), "alice", passphrase)) {
 *   kf.addPassphrase("recovery", recoveryPassphrase);
 * }
 * try (KeyFile kf = KeyFile.unlock(path, passphrase)) {   // PERMISSION_DENIED when wrong
 *   Keyring keys = kf.keyring();                          // the caller's copy
 *   kf.rotateDataKey();                                   // new data under a new key, old data still readable
 * }
 * }</pre>
 *
 * <h2>Design</h2>
 *
 * Two levels, as in LUKS: a random 256-bit <em>master key</em> per file wraps the data keys, and
 * each <em>slot</em> wraps the master key under one key-encryption key (KEK): a passphrase through
 * {@link PassphraseKdf} (PBKDF2-HMAC-SHA256, the salt and iteration count stored in the slot), or a
 * raw {@link AeadKey} (for example from a secret store). Changing a passphrase rewrites one slot;
 * rotating a data key adds one wrapped key; neither touches encrypted data.
 *
 * <pre>
 *   FramedFile (magic "DWKF", version 1, CRC32C against accidental corruption), body:
 *     file id        16 bytes, random, salt of every derivation below
 *     generation     u64, +1 on every change (detects concurrent writers)
 *     primary        key id of the data key that encrypts new data
 *     slots          u16 count, each:
 *                      label (u16 length + UTF-8), kind (1 passphrase, 2 raw key),
 *                      passphrase: iterations u32, salt (u8 length + bytes); raw key: its key id
 *                      check (16), nonce (12), AES-GCM(slot wrap key, master key) (48)
 *     data keys      u16 count, each: key id (8), nonce (12), AES-GCM(key wrap key, data key) (48)
 *     mac            HMAC-SHA256(mac key, every body byte before it)
 *
 *   check || slot wrap key = HKDF-SHA256(ikm = KEK, salt = file id, info = "DWKF v1 slot")
 *   key wrap key || mac key = HKDF-SHA256(ikm = master key, salt = file id, info = "DWKF v1 master")
 *   GCM associated data: file id || the slot's label, kind and parameters; file id || key id
 * </pre>
 *
 * <h2>Errors</h2>
 *
 * <ul>
 *   <li><b>PERMISSION_DENIED</b>: the passphrase or raw key opens no slot. The 16-byte
 *       <em>check</em> derived from the KEK tells a wrong passphrase apart from a damaged slot (it
 *       gives a guesser nothing the wrapped key does not already give).
 *   <li><b>INTEGRITY</b>: the file is corrupt (CRC32C), malformed, or was altered: a slot whose
 *       check matches but whose wrapped key does not authenticate, a MAC mismatch (any change to
 *       labels, parameters, the primary, the list of slots or keys), a data key that does not
 *       authenticate. Parameters outside the accepted ranges are INTEGRITY as well.
 *   <li><b>CONFLICT</b>: a change finds that the file on disk is no longer the one that was
 *       unlocked (another process changed it); unlock again and repeat the change.
 * </ul>
 *
 * What the format cannot detect: replacing the whole file with an older genuine copy (a rollback);
 * and an old copy of the file still opens with a passphrase that has since been changed or
 * removed; rotate the data key after removing a compromised passphrase, for new data at least.
 *
 * <p>Every change is written with {@link FramedFile#write}, that is {@link AtomicFiles#write}
 * (temporary file, force, atomic rename, force the directory). Unlocking with a passphrase runs the KDF once per passphrase slot until
 * one opens. A {@code KeyFile} holds the master key and data keys until {@link #close()} destroys
 * them; {@link #keyring()} hands out independent copies. Methods are synchronized; across
 * processes, the generation check turns a lost update into CONFLICT.
 */
public final class KeyFile implements AutoCloseable {
  /** Magic of a key file ("DWKF"). */
  public static final int MAGIC = FramedFile.magic("DWKF");
  /** The format version this class writes and reads. */
  public static final int VERSION = 1;
  /** The longest slot label, in characters. */
  public static final int MAX_LABEL_LENGTH = 64;

  private static final int FILE_ID_SIZE = 16;
  private static final int CHECK_SIZE = 16;
  private static final int NONCE_SIZE = CryptoSupport.GCM_NONCE_SIZE;
  private static final int WRAPPED_SIZE = AeadKey.SIZE + CryptoSupport.GCM_TAG_SIZE;
  private static final int MAC_SIZE = Hmac.TAG_SIZE;
  private static final int KIND_PASSPHRASE = 1;
  private static final int KIND_KEY = 2;
  private static final byte[] SLOT_INFO = "DWKF v1 slot".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MASTER_INFO = "DWKF v1 master".getBytes(StandardCharsets.US_ASCII);

  /** What opens a slot. */
  public enum SlotKind {
    /** A passphrase, through {@link PassphraseKdf}. */
    PASSPHRASE,
    /** A raw {@link AeadKey}. */
    KEY
  }

  /**
   * A slot as callers see it; nothing here is secret.
   *
   * @param label the slot's unique name
   * @param kind what opens it
   * @param iterations the PBKDF2 iterations of a passphrase slot; 0 for a key slot
   * @param keyId the id of the raw key that opens a key slot; null for a passphrase slot
   */
  public record Slot(String label, SlotKind kind, int iterations, KeyId keyId) {
    @Override
    public String toString() {
      return label + (kind == SlotKind.PASSPHRASE ? "(passphrase, " + iterations + " iterations)" : "(key " + keyId + ")");
    }
  }

  private final Path path;
  private final byte[] fileId;
  private final KeyBytes master;
  private long generation;
  private KeyId primary;
  private List<SlotRecord> slots;
  private Map<KeyId, KeyRecord> keyRecords;
  private Map<KeyId, AeadKey> dataKeys;
  private boolean closed;

  private KeyFile(Path path, byte[] fileId, byte[] master, long generation, KeyId primary, List<SlotRecord> slots,
      Map<KeyId, KeyRecord> keyRecords, Map<KeyId, AeadKey> dataKeys) {
    this.path = path;
    this.fileId = fileId;
    this.master = new KeyBytes(master, "key file master key");
    this.generation = generation;
    this.primary = primary;
    this.slots = slots;
    this.keyRecords = keyRecords;
    this.dataKeys = dataKeys;
  }

  // ---------------------------------------------------------------------------------------------
  // create and unlock

  /**
   * Creates a key file with a new random data key, opened by {@code passphrase} in a slot named
   * {@code label}, and returns it unlocked.
   *
   * @throws DwException ALREADY_EXISTS when {@code path} exists; INVALID_ARGUMENT for an empty
   *     passphrase or a bad label; UNAVAILABLE when it cannot be written
   */
  public static KeyFile create(Path path, String label, Secret passphrase) {
    return create(path, label, passphrase, null);
  }

  /** Creates a key file whose first slot opens with the raw key {@code kek}; see {@link #create(Path, String, Secret)}. */
  public static KeyFile create(Path path, String label, AeadKey kek) {
    CryptoSupport.requireNonNull(kek, "key-encryption key");
    return create(path, label, null, kek);
  }

  private static KeyFile create(Path path, String label, Secret passphrase, AeadKey kek) {
    CryptoSupport.requireNonNull(path, "path");
    checkLabel(label);
    if (Files.exists(path)) {
      throw DwException.of(ErrorCode.ALREADY_EXISTS, path + " already exists: unlock it, or choose another path");
    }
    byte[] masterKey = CryptoSupport.randomBytes(AeadKey.SIZE);
    KeyFile kf = new KeyFile(path, CryptoSupport.randomBytes(FILE_ID_SIZE), masterKey, 0, null, List.of(), Map.of(), Map.of());
    Arrays.fill(masterKey, (byte) 0);
    AeadKey dataKey = AeadKey.generate();
    try {
      SlotRecord slot = passphrase != null ? kf.passphraseSlot(label, passphrase, PassphraseKdf.DEFAULT_ITERATIONS) : kf.keySlot(label, kek);
      kf.commit(false, dataKey.id(), List.of(slot), kf.withKey(kf.keyRecords, dataKey), withEntry(kf.dataKeys, dataKey));
      return kf;
    } catch (RuntimeException e) {
      dataKey.destroy();
      kf.close();
      throw e;
    }
  }

  /**
   * Opens a key file with a passphrase, trying each passphrase slot (one KDF run each).
   *
   * @throws DwException PERMISSION_DENIED when the passphrase opens no slot; INTEGRITY when the
   *     file is corrupt or was altered; NOT_FOUND when it does not exist
   */
  public static KeyFile unlock(Path path, Secret passphrase) {
    CryptoSupport.requireNonNull(passphrase, "passphrase");
    Parsed file = read(path);
    List<SlotRecord> candidates = file.slots.stream().filter(s -> s.kind == KIND_PASSPHRASE).toList();
    if (candidates.isEmpty()) {
      throw DwException.of(ErrorCode.PERMISSION_DENIED, path + " has no passphrase slot; its slots open with a key: " + slotInfos(file.slots));
    }
    for (SlotRecord slot : candidates) {
      AeadKey kek = PassphraseKdf.deriveKey(passphrase, new PassphraseKdf.Params(slot.iterations, slot.salt));
      try {
        KeyFile kf = tryOpen(path, file, slot, kek);
        if (kf != null) {
          return kf;
        }
      } finally {
        kek.destroy();
      }
    }
    throw DwException.of(ErrorCode.PERMISSION_DENIED, "wrong passphrase: it opens none of the " + candidates.size()
        + " passphrase slot(s) of " + path + " (" + slotInfos(candidates) + ")");
  }

  /**
   * Opens a key file with a raw key-encryption key.
   *
   * @throws DwException PERMISSION_DENIED when no slot opens with this key; INTEGRITY when the
   *     file is corrupt or was altered; NOT_FOUND when it does not exist
   */
  public static KeyFile unlock(Path path, AeadKey kek) {
    CryptoSupport.requireNonNull(kek, "key-encryption key");
    Parsed file = read(path);
    for (SlotRecord slot : file.slots) {
      if (slot.kind == KIND_KEY && slot.kekId.equals(kek.id())) {
        KeyFile kf = tryOpen(path, file, slot, kek);
        if (kf != null) {
          return kf;
        }
      }
    }
    throw DwException.of(ErrorCode.PERMISSION_DENIED, "key " + kek.id() + " opens no slot of " + path + " (slots: " + slotInfos(file.slots) + ")");
  }

  /**
   * The file unlocked through {@code slot}, or null when {@code kek} is not that slot's KEK (its
   * derived check differs).
   */
  private static KeyFile tryOpen(Path path, Parsed file, SlotRecord slot, AeadKey kek) {
    byte[] derived = Hkdf.derive(file.fileId, kek.bytes(), SLOT_INFO, CHECK_SIZE + AeadKey.SIZE);
    byte[] masterKey = null;
    try {
      if (!MessageDigest.isEqual(Arrays.copyOf(derived, CHECK_SIZE), slot.check)) {
        return null;
      }
      masterKey = unwrap(derived, CHECK_SIZE, slot.nonce, slot.wrapped, concat(file.fileId, slot.descriptor()),
          path + ": slot '" + slot.label + "' was altered (its check matches this key, its wrapped master key does not authenticate)");
      return open(path, file, masterKey);
    } finally {
      Arrays.fill(derived, (byte) 0);
      if (masterKey != null) {
        Arrays.fill(masterKey, (byte) 0);
      }
    }
  }

  private static KeyFile open(Path path, Parsed file, byte[] masterKey) {
    byte[] derived = Hkdf.derive(file.fileId, masterKey, MASTER_INFO, 2 * AeadKey.SIZE);
    try {
      byte[] mac = CryptoSupport.newHmac(Arrays.copyOfRange(derived, AeadKey.SIZE, 2 * AeadKey.SIZE)).doFinal(file.macInput);
      if (!MessageDigest.isEqual(mac, file.mac)) {
        throw DwException.integrity(path + ": authentication code mismatch: the file was altered (slots, keys or the primary key changed"
            + " without the master key)");
      }
      Map<KeyId, AeadKey> keys = new LinkedHashMap<>();
      for (KeyRecord r : file.keys.values()) {
        byte[] k = unwrap(derived, 0, r.nonce, r.wrapped, concat(file.fileId, r.id.toBytes()),
            path + ": data key " + r.id + " does not authenticate: the file was altered");
        try {
          AeadKey key = AeadKey.fromBytes(k);
          if (!key.id().equals(r.id)) {
            throw DwException.integrity(path + ": data key stored as " + r.id + " has id " + key.id() + ": the file was altered");
          }
          keys.put(r.id, key);
        } finally {
          Arrays.fill(k, (byte) 0);
        }
      }
      if (!keys.containsKey(file.primary)) {
        throw DwException.integrity(path + ": the primary key " + file.primary + " is not among its data keys " + keys.keySet());
      }
      return new KeyFile(path, file.fileId, masterKey, file.generation, file.primary, file.slots, file.keys, keys);
    } finally {
      Arrays.fill(derived, (byte) 0);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // what an unlocked file offers

  /** The file's path. */
  public Path path() {
    return path;
  }

  /**
   * A new keyring of copies of the data keys: the primary, then the others in the order they were
   * added. The copies are the caller's: closing this file does not destroy them.
   */
  public synchronized Keyring keyring() {
    ensureOpen();
    List<AeadKey> others = new ArrayList<>();
    for (AeadKey k : dataKeys.values()) {
      if (!k.id().equals(primary)) {
        others.add(AeadKey.fromBytes(k.bytes()));
      }
    }
    return Keyring.of(AeadKey.fromBytes(dataKeys.get(primary).bytes()), others.toArray(new AeadKey[0]));
  }

  /** The id of the data key that encrypts new data. */
  public synchronized KeyId primaryKeyId() {
    return primary;
  }

  /** The ids of all data keys, in the order they were added. */
  public synchronized List<KeyId> keyIds() {
    return List.copyOf(keyRecords.keySet());
  }

  /** The slots, in the order they were added. */
  public synchronized List<Slot> slots() {
    return slotInfos(slots);
  }

  /** How many times the file was written (1 after {@link #create}). */
  public synchronized long generation() {
    return generation;
  }

  /**
   * Adds a slot opened by {@code passphrase} at {@value PassphraseKdf#DEFAULT_ITERATIONS} iterations.
   *
   * @throws DwException ALREADY_EXISTS when the label is taken; CONFLICT when the file changed on disk
   */
  public void addPassphrase(String label, Secret passphrase) {
    addPassphrase(label, passphrase, PassphraseKdf.DEFAULT_ITERATIONS);
  }

  /** Adds a passphrase slot with a chosen iteration count (at least {@value PassphraseKdf#MIN_ITERATIONS}). */
  public synchronized void addPassphrase(String label, Secret passphrase, int iterations) {
    ensureOpen();
    checkNewLabel(label);
    List<SlotRecord> next = new ArrayList<>(slots);
    next.add(passphraseSlot(label, passphrase, iterations));
    commit(true, primary, next, keyRecords, dataKeys);
  }

  /** Adds a slot opened by the raw key {@code kek}. ALREADY_EXISTS when the label is taken. */
  public synchronized void addKey(String label, AeadKey kek) {
    ensureOpen();
    CryptoSupport.requireNonNull(kek, "key-encryption key");
    checkNewLabel(label);
    List<SlotRecord> next = new ArrayList<>(slots);
    next.add(keySlot(label, kek));
    commit(true, primary, next, keyRecords, dataKeys);
  }

  /**
   * Replaces the passphrase of slot {@code label} (new salt; iterations kept, or raised to the
   * current default).
   *
   * @throws DwException NOT_FOUND when there is no such slot; FAILED_PRECONDITION when it is a key slot
   */
  public synchronized void changePassphrase(String label, Secret newPassphrase) {
    ensureOpen();
    int i = indexOf(label);
    SlotRecord old = slots.get(i);
    if (old.kind != KIND_PASSPHRASE) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "slot '" + label + "' of " + path + " opens with a key, not a passphrase");
    }
    List<SlotRecord> next = new ArrayList<>(slots);
    next.set(i, passphraseSlot(label, newPassphrase, Math.max(old.iterations, PassphraseKdf.DEFAULT_ITERATIONS)));
    commit(true, primary, next, keyRecords, dataKeys);
  }

  /**
   * Removes slot {@code label}: its passphrase or key no longer opens this file (but still opens
   * older copies of it).
   *
   * @throws DwException NOT_FOUND when there is no such slot; FAILED_PRECONDITION when it is the last one
   */
  public synchronized void removeSlot(String label) {
    ensureOpen();
    int i = indexOf(label);
    if (slots.size() == 1) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "slot '" + label + "' is the last slot of " + path
          + ": removing it would make the file impossible to open; add another slot first");
    }
    List<SlotRecord> next = new ArrayList<>(slots);
    next.remove(i);
    commit(true, primary, next, keyRecords, dataKeys);
  }

  /**
   * Adds a new random data key and makes it the primary: new data is encrypted under it, data
   * under the previous keys stays readable because they are kept.
   *
   * @return the id of the new primary key
   */
  public synchronized KeyId rotateDataKey() {
    ensureOpen();
    AeadKey key = AeadKey.generate();
    commit(true, key.id(), slots, withKey(keyRecords, key), withEntry(dataKeys, key));
    return key.id();
  }

  /**
   * Removes a data key that is not the primary. Whatever it encrypted can no longer be decrypted
   * with this file: re-encrypt that data first.
   *
   * @throws DwException NOT_FOUND when there is no such key; FAILED_PRECONDITION for the primary
   */
  public synchronized void removeDataKey(KeyId id) {
    ensureOpen();
    if (!dataKeys.containsKey(id)) {
      throw DwException.notFound(path + " holds no data key " + id + " (keys: " + keyRecords.keySet() + ")");
    }
    if (id.equals(primary)) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, id + " is the primary data key of " + path + ": rotate first");
    }
    Map<KeyId, KeyRecord> records = new LinkedHashMap<>(keyRecords);
    records.remove(id);
    Map<KeyId, AeadKey> keys = new LinkedHashMap<>(dataKeys);
    AeadKey removed = keys.remove(id);
    commit(true, primary, slots, records, keys);
    removed.destroy();
  }

  /** Destroys the master key and the data keys held here (not the copies handed out). */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      master.destroy();
      dataKeys.values().forEach(AeadKey::destroy);
    }
  }

  @Override
  public synchronized String toString() {
    return "KeyFile[" + path + ", generation=" + generation + ", primary=" + primary + ", keys=" + keyRecords.keySet()
        + ", slots=" + slotInfos(slots) + (closed ? ", closed" : "") + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // changes

  private void commit(boolean mustExist, KeyId newPrimary, List<SlotRecord> newSlots, Map<KeyId, KeyRecord> newRecords,
      Map<KeyId, AeadKey> newKeys) {
    if (mustExist) {
      Parsed onDisk = read(path);
      if (!Arrays.equals(onDisk.fileId, fileId) || onDisk.generation != generation) {
        throw DwException.of(ErrorCode.CONFLICT, path + " changed on disk since it was unlocked (generation " + onDisk.generation
            + " vs " + generation + " here" + (Arrays.equals(onDisk.fileId, fileId) ? "" : ", and it is another key file")
            + "): unlock it again and repeat the change");
      }
    } else if (Files.exists(path)) {
      throw DwException.of(ErrorCode.ALREADY_EXISTS, path + " already exists: unlock it, or choose another path");
    }
    long nextGeneration = generation + 1;
    FramedFile.write(path, MAGIC, VERSION, encode(nextGeneration, newPrimary, newSlots, newRecords));
    generation = nextGeneration;
    primary = newPrimary;
    slots = List.copyOf(newSlots);
    keyRecords = newRecords;
    dataKeys = newKeys;
  }

  private SlotRecord passphraseSlot(String label, Secret passphrase, int iterations) {
    PassphraseKdf.Params params = PassphraseKdf.Params.generate(iterations);
    AeadKey kek = PassphraseKdf.deriveKey(passphrase, params);
    try {
      return wrapMaster(new SlotRecord(label, KIND_PASSPHRASE, iterations, params.salt(), null, null, null, null), kek);
    } finally {
      kek.destroy();
    }
  }

  private SlotRecord keySlot(String label, AeadKey kek) {
    return wrapMaster(new SlotRecord(label, KIND_KEY, 0, null, kek.id(), null, null, null), kek);
  }

  private SlotRecord wrapMaster(SlotRecord slot, AeadKey kek) {
    byte[] derived = Hkdf.derive(fileId, kek.bytes(), SLOT_INFO, CHECK_SIZE + AeadKey.SIZE);
    try {
      byte[] nonce = CryptoSupport.randomBytes(NONCE_SIZE);
      byte[] wrapped = wrap(derived, CHECK_SIZE, nonce, master.get(), concat(fileId, slot.descriptor()));
      return new SlotRecord(slot.label, slot.kind, slot.iterations, slot.salt, slot.kekId, Arrays.copyOf(derived, CHECK_SIZE), nonce, wrapped);
    } finally {
      Arrays.fill(derived, (byte) 0);
    }
  }

  private Map<KeyId, KeyRecord> withKey(Map<KeyId, KeyRecord> records, AeadKey key) {
    byte[] derived = Hkdf.derive(fileId, master.get(), MASTER_INFO, 2 * AeadKey.SIZE);
    try {
      byte[] nonce = CryptoSupport.randomBytes(NONCE_SIZE);
      Map<KeyId, KeyRecord> next = new LinkedHashMap<>(records);
      next.put(key.id(), new KeyRecord(key.id(), nonce, wrap(derived, 0, nonce, key.bytes(), concat(fileId, key.id().toBytes()))));
      return next;
    } finally {
      Arrays.fill(derived, (byte) 0);
    }
  }

  private static Map<KeyId, AeadKey> withEntry(Map<KeyId, AeadKey> keys, AeadKey key) {
    Map<KeyId, AeadKey> next = new LinkedHashMap<>(keys);
    next.put(key.id(), key);
    return next;
  }

  private byte[] encode(long gen, KeyId newPrimary, List<SlotRecord> newSlots, Map<KeyId, KeyRecord> records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    out.writeBytes(fileId);
    out.writeBytes(ByteBuffer.allocate(8).putLong(gen).array());
    out.writeBytes(newPrimary.toBytes());
    writeU16(out, newSlots.size());
    for (SlotRecord s : newSlots) {
      out.writeBytes(s.descriptor());
      out.writeBytes(s.check);
      out.writeBytes(s.nonce);
      out.writeBytes(s.wrapped);
    }
    writeU16(out, records.size());
    for (KeyRecord r : records.values()) {
      out.writeBytes(r.id.toBytes());
      out.writeBytes(r.nonce);
      out.writeBytes(r.wrapped);
    }
    byte[] derived = Hkdf.derive(fileId, master.get(), MASTER_INFO, 2 * AeadKey.SIZE);
    try {
      out.writeBytes(CryptoSupport.newHmac(Arrays.copyOfRange(derived, AeadKey.SIZE, 2 * AeadKey.SIZE)).doFinal(out.toByteArray()));
    } finally {
      Arrays.fill(derived, (byte) 0);
    }
    return out.toByteArray();
  }

  // ---------------------------------------------------------------------------------------------
  // reading

  /** A parsed (CRC-checked, not yet authenticated) key file. */
  private record Parsed(byte[] fileId, long generation, KeyId primary, List<SlotRecord> slots, Map<KeyId, KeyRecord> keys,
      byte[] macInput, byte[] mac) {}

  private static Parsed read(Path path) {
    CryptoSupport.requireNonNull(path, "path");
    byte[] body = FramedFile.read(path, MAGIC, VERSION, VERSION).body();
    ByteBuffer b = ByteBuffer.wrap(body);
    try {
      byte[] fileId = bytes(b, FILE_ID_SIZE);
      long generation = b.getLong();
      KeyId primary = new KeyId(b.getLong());
      int slotCount = Short.toUnsignedInt(b.getShort());
      List<SlotRecord> slots = new ArrayList<>();
      for (int i = 0; i < slotCount; i++) {
        slots.add(readSlot(path, b));
      }
      int keyCount = Short.toUnsignedInt(b.getShort());
      Map<KeyId, KeyRecord> keys = new LinkedHashMap<>();
      for (int i = 0; i < keyCount; i++) {
        KeyRecord r = new KeyRecord(new KeyId(b.getLong()), bytes(b, NONCE_SIZE), bytes(b, WRAPPED_SIZE));
        if (keys.put(r.id, r) != null) {
          throw DwException.integrity(path + ": data key " + r.id + " appears twice: the file was altered");
        }
      }
      int macStart = b.position();
      byte[] mac = bytes(b, MAC_SIZE);
      if (b.hasRemaining()) {
        throw DwException.integrity(path + ": " + b.remaining() + " unexpected bytes after the key file's authentication code");
      }
      if (slotCount == 0 || keyCount == 0) {
        throw DwException.integrity(path + ": a key file needs at least one slot and one data key, found " + slotCount + " and " + keyCount);
      }
      return new Parsed(fileId, generation, primary, List.copyOf(slots), keys, Arrays.copyOf(body, macStart), mac);
    } catch (BufferUnderflowException e) {
      throw DwException.integrity(path + ": the key file body ends early (" + body.length + " bytes): it is malformed", e);
    }
  }

  private static SlotRecord readSlot(Path path, ByteBuffer b) {
    byte[] labelBytes = bytes(b, Short.toUnsignedInt(b.getShort()));
    String label = new String(labelBytes, StandardCharsets.UTF_8);
    int kind = Byte.toUnsignedInt(b.get());
    int iterations = 0;
    byte[] salt = null;
    KeyId kekId = null;
    if (kind == KIND_PASSPHRASE) {
      iterations = b.getInt();
      salt = bytes(b, Byte.toUnsignedInt(b.get()));
      if (iterations < PassphraseKdf.MIN_ITERATIONS || iterations > PassphraseKdf.MAX_ITERATIONS || salt.length < 16 || salt.length > 64) {
        throw DwException.integrity(path + ": slot '" + label + "' has implausible KDF parameters (" + Integer.toUnsignedString(iterations)
            + " iterations, " + salt.length + "-byte salt): the file was altered");
      }
    } else if (kind == KIND_KEY) {
      kekId = new KeyId(b.getLong());
    } else {
      throw DwException.integrity(path + ": slot '" + label + "' is of unknown kind " + kind + ": the file was altered or is from a newer version");
    }
    return new SlotRecord(label, kind, iterations, salt, kekId, bytes(b, CHECK_SIZE), bytes(b, NONCE_SIZE), bytes(b, WRAPPED_SIZE));
  }

  // ---------------------------------------------------------------------------------------------
  // records and helpers

  /** One slot as stored. */
  private record SlotRecord(String label, int kind, int iterations, byte[] salt, KeyId kekId, byte[] check, byte[] nonce, byte[] wrapped) {
    /** The slot's label, kind and parameters as stored: authenticated as GCM associated data. */
    byte[] descriptor() {
      ByteArrayOutputStream out = new ByteArrayOutputStream(96);
      byte[] l = label.getBytes(StandardCharsets.UTF_8);
      writeU16(out, l.length);
      out.writeBytes(l);
      out.write(kind);
      if (kind == KIND_PASSPHRASE) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(iterations).array());
        out.write(salt.length);
        out.writeBytes(salt);
      } else {
        out.writeBytes(kekId.toBytes());
      }
      return out.toByteArray();
    }

    Slot info() {
      return kind == KIND_PASSPHRASE ? new Slot(label, SlotKind.PASSPHRASE, iterations, null) : new Slot(label, SlotKind.KEY, 0, kekId);
    }
  }

  /** One wrapped data key as stored. */
  private record KeyRecord(KeyId id, byte[] nonce, byte[] wrapped) {}

  private static List<Slot> slotInfos(List<SlotRecord> slots) {
    return slots.stream().map(SlotRecord::info).toList();
  }

  private int indexOf(String label) {
    for (int i = 0; i < slots.size(); i++) {
      if (slots.get(i).label.equals(label)) {
        return i;
      }
    }
    throw DwException.notFound(path + " has no slot '" + label + "' (slots: " + slotInfos(slots) + ")");
  }

  private void checkNewLabel(String label) {
    checkLabel(label);
    if (slots.stream().anyMatch(s -> s.label.equals(label))) {
      throw DwException.of(ErrorCode.ALREADY_EXISTS, path + " already has a slot '" + label + "'");
    }
  }

  private static void checkLabel(String label) {
    if (label == null || label.isBlank() || label.length() > MAX_LABEL_LENGTH || !label.strip().equals(label)
        || label.codePoints().anyMatch(Character::isISOControl)) {
      throw DwException.invalidArgument("a slot label is 1.." + MAX_LABEL_LENGTH
          + " printable characters without leading or trailing spaces, not '" + label + "'");
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw DwException.of(ErrorCode.FAILED_PRECONDITION, "the key file " + path + " was closed; unlock it again");
    }
  }

  private static byte[] wrap(byte[] keyMaterial, int keyOffset, byte[] nonce, byte[] plaintext, byte[] aad) {
    return Gcm.seal(new SecretKeySpec(keyMaterial, keyOffset, AeadKey.SIZE, "AES"), nonce, aad, plaintext);
  }

  private static byte[] unwrap(byte[] keyMaterial, int keyOffset, byte[] nonce, byte[] wrapped, byte[] aad, String failure) {
    try {
      return Gcm.open(new SecretKeySpec(keyMaterial, keyOffset, AeadKey.SIZE, "AES"), nonce, aad, wrapped, 0, wrapped.length);
    } catch (AEADBadTagException e) {
      throw DwException.integrity(failure, e);
    }
  }

  private static byte[] bytes(ByteBuffer b, int n) {
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  private static void writeU16(ByteArrayOutputStream out, int v) {
    out.write(v >>> 8);
    out.write(v);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
