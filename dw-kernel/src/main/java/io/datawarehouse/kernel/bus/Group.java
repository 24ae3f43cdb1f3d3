package io.datawarehouse.kernel.bus;

import java.util.concurrent.atomic.AtomicLong;

/** The members of one queue group; each message goes to one of them: an idle one if any, else round robin. */
final class Group {
  final Sub[] members;
  final AtomicLong next = new AtomicLong();

  Group(Sub[] members) {
    this.members = members;
  }
}
