package io.datawarehouse.kernel.bus;

import io.datawarehouse.sdk.bus.BusStatistics;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one topic. */
final class TopicCounters {
  final LongAdder published = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder failed = new LongAdder();

  BusStatistics.TopicStatistics snapshot() {
    return new BusStatistics.TopicStatistics(published.sum(), delivered.sum(), failed.sum());
  }
}
