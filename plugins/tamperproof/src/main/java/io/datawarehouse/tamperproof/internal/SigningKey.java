package io.datawarehouse.tamperproof.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.io.AtomicFiles;
import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.tamperproof.ledger.Checkpoint;
import io.datawarehouse.tamperproof.ledger.LedgerVerifier;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The ledger's Ed25519 signing key and the log's origin name, kept in one key file under the data
 * directory ({@code FramedFile} "DWTK" v1, owner-only permissions where the file system has them),
 * with the public half also written as PEM next to it for verifiers.
 *
 * <p>Key file body: {@code u16 origin length, origin (UTF-8), u16 length, PKCS#8 private key, u16
 * length, X.509 public key}. The private key never appears in a message, log line or {@code
 * toString}.
 *
 * <p>Thread-safe (a new {@link Signature} per call).
 */
public final class SigningKey {
  static final int MAGIC = FramedFile.magic("DWTK");
  private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
  private static final String END = "-----END PUBLIC KEY-----";

  private final String origin;
  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final String keyId;

  private SigningKey(String origin, PrivateKey privateKey, PublicKey publicKey) {
    this.origin = origin;
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.keyId = LedgerVerifier.keyIdOf(publicKey);
  }

  /** Generates a new key and a new log origin, writes both files durably, and returns it. */
  public static SigningKey create(Path keyFile, Path publicKeyFile) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] id = new byte[16];
      new SecureRandom().nextBytes(id);
      String origin = "dw-tamperproof/" + HexFormat.of().formatHex(id);
      SigningKey key = new SigningKey(origin, pair.getPrivate(), pair.getPublic());
      FramedFile.write(keyFile, MAGIC, 1, key.encode());
      ownerOnly(keyFile);
      AtomicFiles.write(publicKeyFile, key.publicKeyPem().getBytes(StandardCharsets.US_ASCII));
      return key;
    } catch (GeneralSecurityException e) {
      throw DwException.internal("cannot generate an Ed25519 key (the JDK should have it)", e);
    }
  }

  /**
   * Loads the key file.
   *
   * @throws DwException NOT_FOUND when it is missing; INTEGRITY when it is damaged
   */
  public static SigningKey load(Path keyFile) {
    byte[] body = FramedFile.read(keyFile, MAGIC, 1, 1).body();
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(body))) {
      String origin = new String(in.readNBytes(in.readUnsignedShort()), StandardCharsets.UTF_8);
      byte[] pkcs8 = in.readNBytes(in.readUnsignedShort());
      byte[] x509 = in.readNBytes(in.readUnsignedShort());
      KeyFactory kf = KeyFactory.getInstance("Ed25519");
      PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(x509));
      SigningKey key = new SigningKey(origin, priv, pub);
      key.checkPair();
      return key;
    } catch (IOException | GeneralSecurityException e) {
      throw DwException.integrity(keyFile + ": the signing key cannot be read (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  private void checkPair() {
    Checkpoint probe = sign(0, new byte[32], Instant.EPOCH);
    if (!LedgerVerifier.forKey(publicKey).verifyCheckpoint(probe).valid()) {
      throw DwException.integrity("the signing key's private and public halves do not belong together");
    }
  }

  private byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      byte[] o = origin.getBytes(StandardCharsets.UTF_8);
      out.writeShort(o.length);
      out.write(o);
      byte[] pkcs8 = privateKey.getEncoded();
      out.writeShort(pkcs8.length);
      out.write(pkcs8);
      byte[] x509 = publicKey.getEncoded();
      out.writeShort(x509.length);
      out.write(x509);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bytes.toByteArray();
  }

  private static void ownerOnly(Path file) {
    try {
      if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw DwException.of(ErrorCode.UNAVAILABLE, "cannot restrict the permissions of " + file + ": " + e.getMessage(), e);
    }
  }

  /** The log's name, {@code dw-tamperproof/<32 hex>}. */
  public String origin() {
    return origin;
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  public String keyId() {
    return keyId;
  }

  /** The public key as PEM (X.509 SubjectPublicKeyInfo). */
  public String publicKeyPem() {
    String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(publicKey.getEncoded());
    return BEGIN + "\n" + b64 + "\n" + END + "\n";
  }

  /** Signs a checkpoint of {@code treeSize} entries with root {@code root} at {@code timestamp}. */
  public Checkpoint sign(long treeSize, byte[] root, Instant timestamp) {
    HexFormat hex = HexFormat.of();
    String rootHex = hex.formatHex(root);
    // the writer's own rendering of the signed text; the verifier has its own, and tests check they agree
    String text = Checkpoint.HEADER + "\n" + origin + "\n" + treeSize + "\n" + rootHex + "\n" + timestamp + "\n";
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(privateKey);
      s.update(text.getBytes(StandardCharsets.UTF_8));
      return new Checkpoint(origin, treeSize, rootHex, timestamp, keyId, hex.formatHex(s.sign()));
    } catch (GeneralSecurityException e) {
      throw DwException.internal("cannot sign a checkpoint", e);
    }
  }

  @Override
  public String toString() {
    return "SigningKey{origin=" + origin + ", keyId=" + keyId + "}";
  }
}
