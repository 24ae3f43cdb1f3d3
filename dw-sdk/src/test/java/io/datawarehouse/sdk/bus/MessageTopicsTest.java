package io.datawarehouse.sdk.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MessageTopicsTest {
  @Test
  void topics_validation() {
    assertThat(Topics.isValidTopic("storage.write")).isTrue();
    assertThat(Topics.isValidTopic("pipeline.step.charge-card")).isTrue();
    assertThat(Topics.isValidTopic("a.*")).isFalse();
    assertThat(Topics.isValidPattern("a.*.c")).isTrue();
    assertThat(Topics.isValidPattern(">")).isTrue();
    assertThat(Topics.isValidPattern("a.>.c")).isFalse();
    assertThat(Topics.isValidPattern("a..b")).isFalse();
    assertThat(Topics.isValidPattern("a.b*")).isFalse();
    assertThatThrownBy(() -> Topics.requireValidTopic("a b")).hasMessageContaining("whitespace");
  }

  @Test
  void message_ids_areUnique_andHeadersRoundTrip() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertThat(ids.add(Message.nextId())).isTrue();
    }
    Message m = Message.builder("a.b").text("hi").traceId("t1").header("x-k", "v").build();
    Message copy = Message.builder("a.b").headers(m.headers()).payload(m.payload()).build();
    assertThat(copy.id()).isEqualTo(m.id());
    assertThat(copy.timestamp()).isEqualTo(m.timestamp());
    assertThat(copy.traceId()).isEqualTo("t1");
    assertThat(copy.header("x-k")).isEqualTo("v");
    assertThat(copy.contentType()).isEqualTo(Message.TEXT);
  }

  @Test
  void errorReply_carriesCodeAndMessage() {
    Message req = Message.text("a.b", "q");
    Message err = Message.errorReply(req, DwException.of(ErrorCode.RETENTION_LOCKED, "locked until 2030"));
    assertThat(err.isError()).isTrue();
    assertThat(err.correlationId()).isEqualTo(req.id());
    assertThat(err.error().code()).isEqualTo(ErrorCode.RETENTION_LOCKED);
    assertThat(err.error().getMessage()).isEqualTo("locked until 2030");
  }

  @Test
  void errorCode_unknownWireName_isInternal_retriableByType() {
    assertThat(ErrorCode.fromWire("SOMETHING_NEW")).isEqualTo(ErrorCode.INTERNAL);
    assertThat(ErrorCode.fromWire("not_found")).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(DwException.of(ErrorCode.UNAVAILABLE, "x")).isInstanceOf(io.datawarehouse.sdk.RetriableDwException.class);
    assertThat(DwException.of(ErrorCode.INTEGRITY, "x")).isNotInstanceOf(io.datawarehouse.sdk.RetriableDwException.class);
  }
}
