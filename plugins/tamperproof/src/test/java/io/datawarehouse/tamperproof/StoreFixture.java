package io.datawarehouse.tamperproof;

import io.datawarehouse.tamperproof.internal.AppendLog;
import io.datawarehouse.tamperproof.internal.LedgerEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Helpers shared by the store's tests: what is on disk, what the ledger says. */
final class StoreFixture {
  private StoreFixture() {}

  /** Every file under {@code dir} with its length, SHA-256, permissions and modification time. */
  static Map<String, String> snapshot(Path dir) {
    Map<String, String> out = new TreeMap<>();
    try (var s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        String rel = dir.relativize(p).toString();
        if (Files.isDirectory(p)) {
          out.put(rel + "/", "dir");
          continue;
        }
        byte[] b = Files.readAllBytes(p);
        String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        out.put(rel, b.length + " " + sha256(b) + " " + perms + " " + Files.getLastModifiedTime(p).toMillis());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The ledger's entries, read straight from its file. */
  static List<LedgerEvent> entries(Path dataDir) {
    List<LedgerEvent> out = new ArrayList<>();
    AppendLog.readAll(dataDir.resolve("ledger").resolve("ledger.log"), io.datawarehouse.sdk.io.FramedFile.magic("DWTL"),
        (i, b) -> out.add(LedgerEvent.parse(i, b)));
    return out;
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
