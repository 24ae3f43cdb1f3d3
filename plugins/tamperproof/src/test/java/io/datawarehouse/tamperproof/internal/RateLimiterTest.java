package io.datawarehouse.tamperproof.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.testkit.ManualTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  final ManualTime time = new ManualTime();

  @Test
  void reserve_withinOneSecondOfBurst_doesNotWait() {
    RateLimiter l = new RateLimiter(time, 1000);
    assertThat(l.reserve(600)).isZero();
    assertThat(l.reserve(400)).isZero();
  }

  @Test
  void reserve_beyondTheBurst_waitsForTheExcessAtTheRate() {
    RateLimiter l = new RateLimiter(time, 1000);
    l.reserve(1000);
    assertThat(l.reserve(500)).isEqualTo(Duration.ofMillis(500).toNanos());
    assertThat(l.reserve(1000)).isEqualTo(Duration.ofMillis(1500).toNanos());
  }

  @Test
  void reserve_afterIdleTime_startsAfreshWithoutSavingUpMoreThanTheBurst() {
    RateLimiter l = new RateLimiter(time, 1000);
    l.reserve(3000);
    time.advance(Duration.ofSeconds(60));
    assertThat(l.reserve(1000)).isZero();
    assertThat(l.reserve(1000)).isEqualTo(Duration.ofSeconds(1).toNanos());
  }

  @Test
  void unlimited_neverWaits() {
    RateLimiter l = RateLimiter.unlimited(time);
    assertThat(l.reserve(Long.MAX_VALUE / 2)).isZero();
  }
}
