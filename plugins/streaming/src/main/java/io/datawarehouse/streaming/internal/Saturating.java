package io.datawarehouse.streaming.internal;

/** Event-time arithmetic that sticks at the ends of the long range instead of wrapping. */
final class Saturating {
  private Saturating() {}

  static long add(long a, long b) {
    long r = a + b;
    // overflow iff both operands have the same sign and the result's sign differs
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  static long subtract(long a, long b) {
    long r = a - b;
    if (((a ^ b) & (a ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }
}
