package io.datawarehouse.sdk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class SizesDurationsTest {
  @Test
  void sizes_parseUnits() {
    assertThat(Sizes.parse("4096")).isEqualTo(4096);
    assertThat(Sizes.parse("64KiB")).isEqualTo(65536);
    assertThat(Sizes.parse("64 kib")).isEqualTo(65536);
    assertThat(Sizes.parse("1MiB")).isEqualTo(1 << 20);
    assertThat(Sizes.parse("1.5GiB")).isEqualTo(3L << 29);
    assertThat(Sizes.parse("10MB")).isEqualTo(10_000_000);
    assertThat(Sizes.parse("2G")).isEqualTo(2L << 30);
    assertThat(Sizes.parse("1_000")).isEqualTo(1000);
  }

  @Test
  void sizes_rejectGarbage() {
    for (String bad : new String[] {"", "KiB", "12 parsecs", "-5", "1.2.3MiB", "0.3B", "99999999999999999999"}) {
      assertThatThrownBy(() -> Sizes.parse(bad)).as(bad).isInstanceOf(DwException.class).hasMessageContaining("is not a size");
    }
  }

  @Property
  void sizes_formatThenParse_isExactForWholeUnits(@ForAll @LongRange(min = 0, max = 1L << 40) long n, @ForAll @IntRange(min = 0, max = 3) int shift) {
    long v = shift == 0 ? n : (n >> 20) << (10 * shift);
    assertThat(Sizes.parse(Sizes.format(v).replace(" ", ""))).isCloseTo(v, org.assertj.core.data.Offset.offset(Math.max(1L, v / 20)));
  }

  @Test
  void durations_parse() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("PT15S")).isEqualTo(Duration.ofSeconds(15));
    assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
    for (String bad : new String[] {"", "10", "5 parsecs", "s", "1x", "PTX"}) {
      assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(DwException.class).hasMessageContaining("is not a duration");
    }
  }

  @Test
  void secrets_namesAndInlineMasking() {
    assertThat(Secrets.isSecretName("storage.s3.secretKey")).isTrue();
    assertThat(Secrets.isSecretName("password")).isTrue();
    assertThat(Secrets.isSecretName("bus.token")).isTrue();
    assertThat(Secrets.isSecretName("apiKey")).isTrue();
    assertThat(Secrets.isSecretName("raid.keyFile")).isFalse();
    assertThat(Secrets.isSecretName("tokenizerPath")).isFalse();
    assertThat(Secrets.isSecretName("keepDaily")).isFalse();
    assertThat(Secrets.isSecretName("queueCapacity")).isFalse();
    assertThat(Secrets.maskInline("redis://:pw@127.0.0.1:6379/0")).isEqualTo("redis://:****@127.0.0.1:6379/0");
    assertThat(Secrets.maskInline("postgresql://app:s3cret@db/x?sslmode=off")).isEqualTo("postgresql://app:****@db/x?sslmode=off");
    assertThat(Secrets.maskInline("DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=abc==;BlobEndpoint=x"))
        .doesNotContain("abc==");
    assertThat(Secrets.maskInline("nats://127.0.0.1:4222")).isEqualTo("nats://127.0.0.1:4222");
    assertThat(Secret.of("x").toString()).isEqualTo("****");
  }
}
