package io.datawarehouse.tamperproof.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.tamperproof.RetentionMode;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the ledger says a record's remote copy has: REMOTE_COPY entries against hold and retention changes. */
class RecordIndexRemoteStateTest {
  private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");
  private final RecordIndex index = new RecordIndex();
  private long next;

  private long apply(LedgerEvent e) {
    long i = next++;
    index.apply(i, e.withSeq(i));
    return i;
  }

  private long write(String id) {
    return apply(LedgerEvent.of(LedgerEvent.Type.WRITE, AT, "t", null).withRecord(id, "ns")
        .withContent("00".repeat(32), 1L, null, null).withRetention(RetentionMode.GOVERNANCE, AT.plusSeconds(86_400))
        .withHold(false));
  }

  private long hold(String id, boolean on) {
    return apply(LedgerEvent.of(LedgerEvent.Type.HOLD, AT, "t", null).withRecord(id, "ns").withHold(on));
  }

  private long extend(String id, long days) {
    return apply(LedgerEvent.of(LedgerEvent.Type.EXTEND, AT, "t", null).withRecord(id, "ns")
        .withRetention(RetentionMode.GOVERNANCE, AT.plusSeconds(86_400 * days)));
  }

  private void remote(String id, Map<String, Object> detail) {
    apply(LedgerEvent.of(LedgerEvent.Type.REMOTE_COPY, AT, "system", null).withRecord(id, "ns").withDetail(detail));
  }

  @Test
  void remoteLags_noCopy_false() {
    write("a");
    hold("a", true);
    assertThat(index.remoteLags("a", true)).isFalse();
    assertThat(index.remoteLags("a", false)).isFalse();
  }

  @Test
  void remoteLags_copyOfAnOlderLedgerWithoutState_countsAsCurrentWithTheWriteOnly() {
    long w = write("a");
    long h = hold("a", true);
    remote("a", Map.of("provider", "s3", "location", "worm/tamperproof/ns/a")); // written before action/state existed
    assertThat(index.remoteHas("a", true, w)).isTrue();
    assertThat(index.remoteHas("a", true, h)).isFalse();
    assertThat(index.remoteLags("a", true)).isTrue(); // the hold may predate the copy: sent again (harmless)
    assertThat(index.remoteLags("a", false)).isFalse();
    assertThat(index.lastChange("a", true)).isEqualTo(h);
  }

  @Test
  void remoteLags_followsHoldAndRetentionSeparately() {
    write("a");
    long h1 = hold("a", true);
    remote("a", Map.of("action", "put", "state", h1));
    assertThat(index.remoteLags("a", true)).isFalse();
    assertThat(index.remoteLags("a", false)).isFalse();

    long e = extend("a", 9);
    long h2 = hold("a", false);
    assertThat(index.remoteLags("a", true)).isTrue();
    assertThat(index.remoteLags("a", false)).isTrue();

    // the retention change reaching the remote says nothing about the hold, and the reverse
    remote("a", Map.of("action", "extend", "state", e));
    assertThat(index.remoteLags("a", false)).isFalse();
    assertThat(index.remoteLags("a", true)).isTrue();
    remote("a", Map.of("action", "legalHold", "state", h2));
    assertThat(index.remoteLags("a", true)).isFalse();

    // an older change recorded late never moves the state back
    remote("a", Map.of("action", "legalHold", "state", h1));
    assertThat(index.remoteHas("a", true, h2)).isTrue();
    assertThat(index.remoteCopy("a")).isEqualTo(h1 + 1); // the first REMOTE_COPY entry is the copy
  }
}
