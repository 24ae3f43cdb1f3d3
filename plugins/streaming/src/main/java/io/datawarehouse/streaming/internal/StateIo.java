package io.datawarehouse.streaming.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** Length-prefixed byte arrays and counts in checkpoint bodies, checked on read. */
final class StateIo {
  /** No single key, accumulator or count in a checkpoint is larger than this. */
  static final int MAX = 64 << 20;

  private StateIo() {}

  static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    int n = count(in, "bytes");
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  static int count(DataInputStream in, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX) {
      throw new IOException("bad count of " + what + ": " + n);
    }
    return n;
  }
}
