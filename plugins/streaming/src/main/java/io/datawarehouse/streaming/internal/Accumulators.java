package io.datawarehouse.streaming.internal;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.streaming.Codec;
import java.nio.ByteBuffer;

/** The mutable accumulators of the built-in aggregations and their checkpoint codecs. */
public final class Accumulators {
  private Accumulators() {}

  /** A long that changes in place (counts, long sums). */
  public static final class LongAcc {
    public long value;

    public LongAcc(long value) {
      this.value = value;
    }
  }

  /** A double that changes in place (sums, min, max). */
  public static final class DoubleAcc {
    public double value;

    public DoubleAcc(double value) {
      this.value = value;
    }
  }

  /** Sum and count, for the mean. */
  public static final class MeanAcc {
    public double sum;
    public long count;

    public MeanAcc(double sum, long count) {
      this.sum = sum;
      this.count = count;
    }
  }

  /** A partial reduction; {@code present} false until the first value. */
  public static final class ValueAcc<T> {
    public T value;
    public boolean present;
  }

  public static final Codec<LongAcc> LONG_CODEC = new Codec<>() {
    @Override
    public byte[] encode(LongAcc acc) {
      return ByteBuffer.allocate(8).putLong(acc.value).array();
    }

    @Override
    public LongAcc decode(byte[] bytes) {
      check(bytes, 8, "long accumulator");
      return new LongAcc(ByteBuffer.wrap(bytes).getLong());
    }
  };

  public static final Codec<DoubleAcc> DOUBLE_CODEC = new Codec<>() {
    @Override
    public byte[] encode(DoubleAcc acc) {
      return ByteBuffer.allocate(8).putDouble(acc.value).array();
    }

    @Override
    public DoubleAcc decode(byte[] bytes) {
      check(bytes, 8, "double accumulator");
      return new DoubleAcc(ByteBuffer.wrap(bytes).getDouble());
    }
  };

  public static final Codec<MeanAcc> MEAN_CODEC = new Codec<>() {
    @Override
    public byte[] encode(MeanAcc acc) {
      return ByteBuffer.allocate(16).putDouble(acc.sum).putLong(acc.count).array();
    }

    @Override
    public MeanAcc decode(byte[] bytes) {
      check(bytes, 16, "mean accumulator");
      ByteBuffer b = ByteBuffer.wrap(bytes);
      return new MeanAcc(b.getDouble(), b.getLong());
    }
  };

  /** A codec for partial reductions of values encoded by {@code values}. */
  public static <T> Codec<ValueAcc<T>> valueCodec(Codec<T> values) {
    return new Codec<>() {
      @Override
      public byte[] encode(ValueAcc<T> acc) {
        if (!acc.present) {
          return new byte[] {0};
        }
        byte[] v = values.encode(acc.value);
        byte[] out = new byte[v.length + 1];
        out[0] = 1;
        System.arraycopy(v, 0, out, 1, v.length);
        return out;
      }

      @Override
      public ValueAcc<T> decode(byte[] bytes) {
        if (bytes.length == 0 || bytes[0] > 1 || bytes[0] < 0) {
          throw DwException.invalidArgument("bad reduce accumulator: expected a presence byte 0 or 1");
        }
        ValueAcc<T> acc = new ValueAcc<>();
        if (bytes[0] == 1) {
          byte[] v = new byte[bytes.length - 1];
          System.arraycopy(bytes, 1, v, 0, v.length);
          acc.value = values.decode(v);
          acc.present = true;
        }
        return acc;
      }
    };
  }

  /** A codec for lists of values encoded by {@code values}: count, then length-prefixed items. */
  public static <T> Codec<java.util.ArrayList<T>> listCodec(Codec<T> values) {
    return new Codec<>() {
      @Override
      public byte[] encode(java.util.ArrayList<T> list) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
          out.writeInt(list.size());
          for (T v : list) {
            StateIo.writeBytes(out, values.encode(v));
          }
        } catch (java.io.IOException e) {
          throw DwException.internal("cannot encode a list accumulator", e);
        }
        return bytes.toByteArray();
      }

      @Override
      public java.util.ArrayList<T> decode(byte[] bytes) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
          int n = StateIo.count(in, "list items");
          java.util.ArrayList<T> list = new java.util.ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            list.add(values.decode(StateIo.readBytes(in)));
          }
          return list;
        } catch (java.io.IOException e) {
          throw DwException.invalidArgument("bad list accumulator: " + e.getMessage());
        }
      }
    };
  }

  private static void check(byte[] bytes, int expected, String what) {
    if (bytes.length != expected) {
      throw DwException.invalidArgument("a " + what + " has " + bytes.length + " bytes, expected " + expected);
    }
  }
}
