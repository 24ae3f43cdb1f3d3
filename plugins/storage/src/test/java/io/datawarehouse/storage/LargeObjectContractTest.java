package io.datawarehouse.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Large round trips, streamed both ways with bounded memory (the content is generated while it
 * is uploaded and hashed while it is downloaded). Subclasses are {@code *IT}: they take a while.
 * The modules run their ITs with a heap smaller than {@link #LARGE} ({@code -Xmx200m} in their
 * failsafe configuration), so a store that buffered the object whole would fail here.
 */
public abstract class LargeObjectContractTest {
  /** The largest object the suite writes. */
  protected static final long LARGE = 256L * 1024 * 1024;

  protected ObjectStore store;

  protected abstract ObjectStore newStore() throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = newStore();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void put_256MiB_streamsBothWaysAndVerifies() {
    long seed = 256;
    String key = "large/" + Long.toHexString(System.nanoTime()) + "/blob";
    assertThat(Runtime.getRuntime().maxMemory()).as("the IT heap must be smaller than the object").isLessThan(LARGE);
    ObjectInfo info = store.put(key, TestData.stream(seed, LARGE), -1, PutOptions.DEFAULT);
    String expected = TestData.sha256(seed, LARGE);
    assertThat(info.size()).isEqualTo(LARGE);
    assertThat(info.sha256()).isEqualTo(expected);
    try (ObjectContent c = store.get(key, null)) {
      assertThat(TestData.sha256(c.stream())).isEqualTo(expected);
    }
    try (ObjectContent c = store.get(key, ByteRange.of(LARGE - 10, 10))) {
      assertThat(c.readAllBytes()).hasSize(10);
    }
    assertThat(store.delete(key)).isTrue();
  }
}
