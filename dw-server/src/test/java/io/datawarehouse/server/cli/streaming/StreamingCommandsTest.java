package io.datawarehouse.server.cli.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.json.Json;
import io.datawarehouse.server.cli.CliRun;
import io.datawarehouse.streaming.log.DurableLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dw stream run / status, dw saga start / status, on a temporary data directory. */
class StreamingCommandsTest {
  @TempDir
  Path tmp;

  static CliRun dw(String... args) {
    return CliRun.dw(args);
  }

  @Test
  void streamRun_replaysALog_windowCountsIntoALog_thenStatus() throws Exception {
    Path data = tmp.resolve("data");
    try (DurableLog in = DurableLog.open(data.resolve("streaming/logs/clicks"))) {
      for (int i = 0; i < 30; i++) {
        in.append(Json.toBytes(Map.of("user", "u" + (i % 3), "ts", i * 10)), 0);
      }
    }
    Path spec = tmp.resolve("clicks.yaml");
    Files.writeString(spec, """
        source: { log: clicks, follow: false }
        eventTime: { field: ts }
        keyBy: user
        window: { type: tumbling, size: 100ms }
        aggregate: { op: count }
        sink: { log: counts }
        """);
    CliRun r = dw("stream", "run", spec.toString(), "--data-dir", data.toString(), "--every", "100ms");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("pipeline 'clicks' running").contains("pipeline 'clicks' finished: 30 records in, 9 out");
    List<String> counts = new ArrayList<>();
    try (DurableLog out = DurableLog.open(data.resolve("streaming/logs/counts"))) {
      out.read(0, 100).forEach(e -> counts.add(new String(e.payload(), StandardCharsets.UTF_8)));
    }
    assertThat(counts).hasSize(9).allSatisfy(c -> assertThat(c).contains("\"value\":"));

    CliRun status = dw("stream", "status", "--data-dir", data.toString());
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out()).contains("no pipelines declared");

    CliRun bad = dw("stream", "run", tmp.resolve("missing.yaml").toString(), "--data-dir", data.toString());
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("no such file");
  }

  @Test
  void sagaStart_withoutParticipants_compensates_thenStatusShowsTimeline() throws Exception {
    Path data = tmp.resolve("data");
    Path def = tmp.resolve("order.yaml");
    Files.writeString(def, """
        name: order
        steps:
          - { id: reserve, action: reserve, compensation: release, timeout: 1s, maxAttempts: 2, backoff: 10ms }
        """);
    CliRun r = dw("saga", "start", def.toString(), "--input", "{\"order\": 1}", "--data-dir", data.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out()).contains("COMPENSATED").contains("NO_RESPONDERS");
    Matcher m = Pattern.compile("saga ([0-9a-f-]{36}) started").matcher(r.out());
    assertThat(m.find()).isTrue();

    CliRun s = dw("saga", "status", m.group(1), "--data-dir", data.toString());
    assertThat(s.exit()).as(s.err()).isZero();
    assertThat(s.out()).contains("COMPENSATED").contains("STEP_INTENT").contains("ATTEMPT_FAILED");
    CliRun all = dw("saga", "status", "--data-dir", data.toString());
    assertThat(all.out()).contains(m.group(1)).contains("order");
  }
}
