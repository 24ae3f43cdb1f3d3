package io.datawarehouse.raid.internal.array;

import io.datawarehouse.sdk.io.FramedFile;
import io.datawarehouse.sdk.json.Json;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code <dir>/array.dat}: the array's id and where its disks are, so it can be assembled. The
 * authority on membership is the disks' superblocks; this file only lists paths to look at
 * (relative to the array directory when inside it).
 *
 * @param arrayId the array id
 * @param disks paths of every disk ever given to the array (members, spares, replacements)
 */
public record ArrayMeta(String arrayId, List<String> disks) {
  public static final String FILE = "array.dat";
  private static final int MAGIC = FramedFile.magic("DWRA");

  public ArrayMeta {
    disks = List.copyOf(disks);
  }

  public static ArrayMeta read(Path dir) {
    Path f = dir.resolve(FILE);
    return Json.fromBytes(FramedFile.read(f, MAGIC, 1, 1).body(), ArrayMeta.class, f.toString());
  }

  public void write(Path dir) {
    FramedFile.write(dir.resolve(FILE), MAGIC, 1, Json.toBytes(this));
  }

  /** The absolute path of a listed disk. */
  public static Path resolve(Path dir, String disk) {
    return dir.resolve(disk).normalize();
  }

  /** How a path is listed: relative when inside {@code dir}. */
  public static String relativize(Path dir, Path disk) {
    Path abs = disk.toAbsolutePath().normalize();
    Path d = dir.toAbsolutePath().normalize();
    return abs.startsWith(d) ? d.relativize(abs).toString() : abs.toString();
  }
}
