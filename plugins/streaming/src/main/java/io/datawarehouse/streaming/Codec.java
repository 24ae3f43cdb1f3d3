package io.datawarehouse.streaming;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.json.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Turns values into bytes and back: for records in a {@link io.datawarehouse.streaming.log.DurableLog},
 * keys and accumulators in checkpoints. Implementations are stateless and thread-safe.
 *
 * @param <T> the value type
 */
public interface Codec<T> {

  /** {@code value} as bytes. */
  byte[] encode(T value);

  /**
   * The value {@code bytes} encode.
   *
   * @throws DwException INVALID_ARGUMENT when the bytes are not a value of this codec
   */
  T decode(byte[] bytes);

  /** UTF-8 strings. */
  static Codec<String> strings() {
    return Builtin.STRING;
  }

  /** Longs as 8 big-endian bytes. */
  static Codec<Long> longs() {
    return Builtin.LONG;
  }

  /** Doubles as 8 big-endian bytes. */
  static Codec<Double> doubles() {
    return Builtin.DOUBLE;
  }

  /** Values of {@code type} as JSON through the project's strict mapper. */
  static <T> Codec<T> json(Class<T> type) {
    return new Codec<>() {
      @Override
      public byte[] encode(T value) {
        return Json.toBytes(value);
      }

      @Override
      public T decode(byte[] bytes) {
        return Json.fromBytes(bytes, type, "a " + type.getSimpleName() + " record");
      }

      @Override
      public String toString() {
        return "Codec.json(" + type.getSimpleName() + ")";
      }
    };
  }

  /**
   * The default codec of keys: a tag byte then the value, for {@link String}, {@link Long},
   * {@link Integer}, {@link Short}, {@link Byte}, {@link Boolean}, {@link Character} and {@link
   * Double}. Any other key type fails to encode with an error that asks for a codec of its own
   * ({@code keyBy(selector, codec)}).
   */
  static Codec<Object> keys() {
    return Builtin.KEYS;
  }

  /** The built-in codecs. */
  final class Builtin {
    private Builtin() {}

    static final Codec<String> STRING = new Codec<>() {
      @Override
      public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
      }
    };

    static final Codec<Long> LONG = new Codec<>() {
      @Override
      public byte[] encode(Long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
      }

      @Override
      public Long decode(byte[] bytes) {
        requireLength(bytes, 8, "long");
        return ByteBuffer.wrap(bytes).getLong();
      }
    };

    static final Codec<Double> DOUBLE = new Codec<>() {
      @Override
      public byte[] encode(Double value) {
        return ByteBuffer.allocate(8).putDouble(value).array();
      }

      @Override
      public Double decode(byte[] bytes) {
        requireLength(bytes, 8, "double");
        return ByteBuffer.wrap(bytes).getDouble();
      }
    };

    static final Codec<Object> KEYS = new Codec<>() {
      @Override
      public byte[] encode(Object key) {
        return switch (key) {
          case String s -> tagged('s', s.getBytes(StandardCharsets.UTF_8));
          case Long l -> tagged('l', ByteBuffer.allocate(8).putLong(l).array());
          case Integer i -> tagged('i', ByteBuffer.allocate(4).putInt(i).array());
          case Short s -> tagged('h', ByteBuffer.allocate(2).putShort(s).array());
          case Byte b -> tagged('b', new byte[] {b});
          case Boolean b -> tagged('z', new byte[] {(byte) (b ? 1 : 0)});
          case Character c -> tagged('c', ByteBuffer.allocate(2).putChar(c).array());
          case Double d -> tagged('d', ByteBuffer.allocate(8).putDouble(d).array());
          default -> throw DwException.invalidArgument("cannot checkpoint a key of type "
              + key.getClass().getName() + ": the default key codec handles strings, numbers,"
              + " booleans and chars; give the key type a codec with keyBy(selector, codec)");
        };
      }

      @Override
      public Object decode(byte[] bytes) {
        if (bytes.length == 0) {
          throw DwException.invalidArgument("an encoded key is empty (expected a tag byte)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        char tag = (char) bytes[0];
        return switch (tag) {
          case 's' -> new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8);
          case 'l' -> b.getLong();
          case 'i' -> b.getInt();
          case 'h' -> b.getShort();
          case 'b' -> b.get();
          case 'z' -> b.get() != 0;
          case 'c' -> b.getChar();
          case 'd' -> b.getDouble();
          default -> throw DwException.invalidArgument("unknown key tag '" + tag
              + "' (expected one of s l i h b z c d)");
        };
      }
    };

    private static byte[] tagged(char tag, byte[] body) {
      byte[] out = new byte[body.length + 1];
      out[0] = (byte) tag;
      System.arraycopy(body, 0, out, 1, body.length);
      return out;
    }

    private static void requireLength(byte[] bytes, int expected, String what) {
      if (bytes.length != expected) {
        throw DwException.invalidArgument("an encoded " + what + " has " + bytes.length
            + " bytes, expected " + expected);
      }
    }
  }
}
