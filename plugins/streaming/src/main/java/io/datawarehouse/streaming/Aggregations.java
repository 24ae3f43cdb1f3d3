package io.datawarehouse.streaming;

import io.datawarehouse.streaming.internal.Accumulators;
import io.datawarehouse.streaming.internal.Accumulators.DoubleAcc;
import io.datawarehouse.streaming.internal.Accumulators.LongAcc;
import io.datawarehouse.streaming.internal.Accumulators.MeanAcc;
import io.datawarehouse.streaming.internal.Accumulators.ValueAcc;
import java.util.Objects;
import java.util.function.BinaryOperator;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/** The built-in {@link Aggregation}s: count, sums, min, max, average and custom reducers. */
public final class Aggregations {
  private Aggregations() {}

  /** The number of records. */
  public static <T> Aggregation<T, ?, Long> count() {
    return sumLong(value -> 1L);
  }

  /** The sum of a long field (overflow wraps, as Java's long arithmetic does). */
  public static <T> Aggregation<T, ?, Long> sumLong(ToLongFunction<? super T> field) {
    Objects.requireNonNull(field, "field");
    return new Aggregation<T, LongAcc, Long>() {
      @Override
      public LongAcc createAccumulator() {
        return new LongAcc(0);
      }

      @Override
      public LongAcc add(LongAcc acc, T value) {
        acc.value += field.applyAsLong(value);
        return acc;
      }

      @Override
      public LongAcc merge(LongAcc a, LongAcc b) {
        a.value += b.value;
        return a;
      }

      @Override
      public Long result(LongAcc acc) {
        return acc.value;
      }

      @Override
      public Codec<LongAcc> accumulatorCodec() {
        return Accumulators.LONG_CODEC;
      }
    };
  }

  /** The sum of a numeric field. */
  public static <T> Aggregation<T, ?, Double> sum(ToDoubleFunction<? super T> field) {
    return doubleFold(field, 0.0, Double::sum);
  }

  /** The smallest value of a numeric field. */
  public static <T> Aggregation<T, ?, Double> min(ToDoubleFunction<? super T> field) {
    return doubleFold(field, Double.POSITIVE_INFINITY, Math::min);
  }

  /** The largest value of a numeric field. */
  public static <T> Aggregation<T, ?, Double> max(ToDoubleFunction<? super T> field) {
    return doubleFold(field, Double.NEGATIVE_INFINITY, Math::max);
  }

  /** The arithmetic mean of a numeric field. */
  public static <T> Aggregation<T, ?, Double> average(ToDoubleFunction<? super T> field) {
    Objects.requireNonNull(field, "field");
    return new Aggregation<T, MeanAcc, Double>() {
      @Override
      public MeanAcc createAccumulator() {
        return new MeanAcc(0, 0);
      }

      @Override
      public MeanAcc add(MeanAcc acc, T value) {
        acc.sum += field.applyAsDouble(value);
        acc.count++;
        return acc;
      }

      @Override
      public MeanAcc merge(MeanAcc a, MeanAcc b) {
        a.sum += b.sum;
        a.count += b.count;
        return a;
      }

      @Override
      public Double result(MeanAcc acc) {
        return acc.count == 0 ? Double.NaN : acc.sum / acc.count;
      }

      @Override
      public Codec<MeanAcc> accumulatorCodec() {
        return Accumulators.MEAN_CODEC;
      }
    };
  }

  /**
   * A custom reducer: the records of a window combined pairwise with {@code reducer}, which must
   * be associative (session windows merge partial results).
   *
   * @param codec how a partial result goes into checkpoints
   */
  public static <T> Aggregation<T, ?, T> reduce(BinaryOperator<T> reducer, Codec<T> codec) {
    Objects.requireNonNull(reducer, "reducer");
    Objects.requireNonNull(codec, "codec");
    Codec<ValueAcc<T>> accCodec = Accumulators.valueCodec(codec);
    return new Aggregation<T, ValueAcc<T>, T>() {
      @Override
      public ValueAcc<T> createAccumulator() {
        return new ValueAcc<>();
      }

      @Override
      public ValueAcc<T> add(ValueAcc<T> acc, T value) {
        acc.value = acc.present ? reducer.apply(acc.value, value) : value;
        acc.present = true;
        return acc;
      }

      @Override
      public ValueAcc<T> merge(ValueAcc<T> a, ValueAcc<T> b) {
        if (b.present) {
          add(a, b.value);
        }
        return a;
      }

      @Override
      public T result(ValueAcc<T> acc) {
        return acc.value;
      }

      @Override
      public Codec<ValueAcc<T>> accumulatorCodec() {
        return accCodec;
      }
    };
  }

  /**
   * Every record of the window, in arrival order: the batch for stream analysis. The window's
   * records are held in memory until it fires; {@code codec} puts them into checkpoints.
   */
  public static <T> Aggregation<T, ?, java.util.List<T>> collect(Codec<T> codec) {
    Objects.requireNonNull(codec, "codec");
    Codec<java.util.ArrayList<T>> listCodec = Accumulators.listCodec(codec);
    return new Aggregation<T, java.util.ArrayList<T>, java.util.List<T>>() {
      @Override
      public java.util.ArrayList<T> createAccumulator() {
        return new java.util.ArrayList<>();
      }

      @Override
      public java.util.ArrayList<T> add(java.util.ArrayList<T> acc, T value) {
        acc.add(value);
        return acc;
      }

      @Override
      public java.util.ArrayList<T> merge(java.util.ArrayList<T> a, java.util.ArrayList<T> b) {
        a.addAll(b);
        return a;
      }

      @Override
      public java.util.List<T> result(java.util.ArrayList<T> acc) {
        return java.util.List.copyOf(acc);
      }

      @Override
      public Codec<java.util.ArrayList<T>> accumulatorCodec() {
        return listCodec;
      }
    };
  }

  private static <T> Aggregation<T, ?, Double> doubleFold(
      ToDoubleFunction<? super T> field, double identity, java.util.function.DoubleBinaryOperator op) {
    Objects.requireNonNull(field, "field");
    return new Aggregation<T, DoubleAcc, Double>() {
      @Override
      public DoubleAcc createAccumulator() {
        return new DoubleAcc(identity);
      }

      @Override
      public DoubleAcc add(DoubleAcc acc, T value) {
        acc.value = op.applyAsDouble(acc.value, field.applyAsDouble(value));
        return acc;
      }

      @Override
      public DoubleAcc merge(DoubleAcc a, DoubleAcc b) {
        a.value = op.applyAsDouble(a.value, b.value);
        return a;
      }

      @Override
      public Double result(DoubleAcc acc) {
        return acc.value;
      }

      @Override
      public Codec<DoubleAcc> accumulatorCodec() {
        return Accumulators.DOUBLE_CODEC;
      }
    };
  }
}
