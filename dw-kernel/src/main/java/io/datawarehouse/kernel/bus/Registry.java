package io.datawarehouse.kernel.bus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of the subscriptions of a bus. Replaced, never mutated, so readers take no
 * lock; {@link #version} lets cached routes notice that they are stale.
 */
final class Registry {
  static final Registry EMPTY = new Registry(0, new Sub[0], Map.of());

  final long version;
  final Sub[] subs;
  /** Queue groups by pattern + NUL + group name. */
  final Map<String, Group> groups;

  private Registry(long version, Sub[] subs, Map<String, Group> groups) {
    this.version = version;
    this.subs = subs;
    this.groups = groups;
  }

  Registry with(Sub s) {
    Sub[] next = Arrays.copyOf(subs, subs.length + 1);
    next[subs.length] = s;
    return new Registry(version + 1, next, groupsOf(next));
  }

  Registry without(Sub s) {
    List<Sub> keep = new ArrayList<>(subs.length);
    for (Sub x : subs) {
      if (x != s) {
        keep.add(x);
      }
    }
    Sub[] next = keep.toArray(new Sub[0]);
    return new Registry(version + 1, next, groupsOf(next));
  }

  private static Map<String, Group> groupsOf(Sub[] subs) {
    Map<String, List<Sub>> members = new LinkedHashMap<>();
    for (Sub s : subs) {
      if (s.group != null) {
        members.computeIfAbsent(s.pattern + '\0' + s.group, k -> new ArrayList<>()).add(s);
      }
    }
    Map<String, Group> groups = new LinkedHashMap<>();
    members.forEach((k, v) -> groups.put(k, new Group(v.toArray(new Sub[0]))));
    return groups;
  }

  /** The recipients of {@code topic}: plain matching subscriptions and matching groups. */
  Route routeFor(String topic, TopicCounters counters) {
    String[] tokens = topic.split("\\.", -1);
    List<Sub> plain = new ArrayList<>();
    Map<String, Group> matchedGroups = new LinkedHashMap<>();
    for (Sub s : subs) {
      if (s.matches(tokens)) {
        if (s.group == null) {
          plain.add(s);
        } else {
          String key = s.pattern + '\0' + s.group;
          matchedGroups.putIfAbsent(key, groups.get(key));
        }
      }
    }
    return new Route(version, plain.toArray(new Sub[0]), matchedGroups.values().toArray(new Group[0]), counters);
  }
}
