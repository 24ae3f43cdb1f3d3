package io.datawarehouse.bench.storage;

import java.io.IOException;
import java.io.InputStream;

/** Reads streams to their end for the storage benchmarks. */
final class Streams {
  private Streams() {}

  /** Reads {@code in} to its end through {@code sink}; returns the byte count. */
  static long drain(InputStream in, byte[] sink) throws IOException {
    long n = 0;
    int r;
    while ((r = in.read(sink)) > 0) {
      n += r;
    }
    return n;
  }
}
