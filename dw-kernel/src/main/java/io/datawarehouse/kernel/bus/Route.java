package io.datawarehouse.kernel.bus;

/** The recipients of one concrete topic under one registry version. */
final class Route {
  final long version;
  final Sub[] subs;
  final Group[] groups;
  final TopicCounters counters;

  Route(long version, Sub[] subs, Group[] groups, TopicCounters counters) {
    this.version = version;
    this.subs = subs;
    this.groups = groups;
    this.counters = counters;
  }
}
