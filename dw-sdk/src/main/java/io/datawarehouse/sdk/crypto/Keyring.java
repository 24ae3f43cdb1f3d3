package io.datawarehouse.sdk.crypto;

import io.datawarehouse.sdk.DwException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.Destroyable;

/**
 * The data keys of one owner (a backup repository, a ledger, a journal): one <em>primary</em> key
 * that encrypts everything new, and older keys kept so that what they encrypted can still be read.
 * Rotating a key means a new keyring whose primary is a new key and whose older keys include the
 * previous primary; nothing already encrypted has to be re-encrypted. {@link KeyFile} stores a
 * keyring on disk.
 *
 * <p>Immutable; thread-safe. {@link #destroy()} destroys every key in it.
 */
public final class Keyring implements Destroyable {
  private final AeadKey primary;
  private final Map<KeyId, AeadKey> byId;

  private Keyring(AeadKey primary, List<AeadKey> keys) {
    this.primary = primary;
    Map<KeyId, AeadKey> m = new LinkedHashMap<>();
    for (AeadKey k : keys) {
      CryptoSupport.requireNonNull(k, "a keyring's key");
      m.putIfAbsent(k.id(), k);
    }
    this.byId = Collections.unmodifiableMap(m);
  }

  /** A keyring of {@code primary} and, for decryption only, {@code older} keys. */
  public static Keyring of(AeadKey primary, AeadKey... older) {
    CryptoSupport.requireNonNull(primary, "the primary key");
    List<AeadKey> all = new ArrayList<>();
    all.add(primary);
    all.addAll(List.of(older));
    return new Keyring(primary, all);
  }

  /** The key that encrypts new data. */
  public AeadKey primary() {
    return primary;
  }

  /** The key with {@code id}, if this keyring holds it. */
  public Optional<AeadKey> find(KeyId id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** The ids of all keys, primary first. */
  public List<KeyId> ids() {
    return List.copyOf(byId.keySet());
  }

  /** All keys, primary first. */
  public List<AeadKey> keys() {
    return List.copyOf(byId.values());
  }

  /**
   * The key with {@code id} for decrypting {@code what}.
   *
   * @throws DwException INTEGRITY when this keyring does not hold it: either the data was
   *     encrypted under a key that is not here, or its header was altered; the two cannot be told
   *     apart before decryption
   */
  AeadKey keyFor(KeyId id, String what) {
    AeadKey k = byId.get(id);
    if (k == null) {
      throw DwException.integrity(what + " names key " + id + ", which is not in the keyring (keys: " + ids()
          + "): it was encrypted under another key, or its header was altered");
    }
    return k;
  }

  @Override
  public void destroy() {
    byId.values().forEach(AeadKey::destroy);
  }

  @Override
  public boolean isDestroyed() {
    return byId.values().stream().allMatch(AeadKey::isDestroyed);
  }

  @Override
  public String toString() {
    return "Keyring[primary=" + primary.id() + ", keys=" + ids() + "]";
  }
}
