package io.datawarehouse.raid;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How an array opens and creates its member disks. The default uses {@link FileBlockDevice}; tests
 * wrap it to inject faults, and another block layer can be put beneath RAID the same way.
 */
public interface BlockDeviceFactory {
  /** Plain files and block devices. */
  BlockDeviceFactory FILES = new BlockDeviceFactory() {
    @Override
    public BlockDevice open(Path path) throws IOException {
      return FileBlockDevice.open(path);
    }

    @Override
    public BlockDevice create(Path path, long size) throws IOException {
      return FileBlockDevice.create(path, size);
    }
  };

  /** Opens an existing device. */
  BlockDevice open(Path path) throws IOException;

  /** Creates a new device of {@code size} bytes that reads as zeros; fails when it exists. */
  BlockDevice create(Path path, long size) throws IOException;
}
