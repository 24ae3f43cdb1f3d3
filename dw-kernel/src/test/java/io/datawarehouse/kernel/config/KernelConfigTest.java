package io.datawarehouse.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.config.Config;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelConfigTest {
  @Test
  void rootDef_hasBusKernelAndDefaultsThatNeedNoFile() {
    Config c = ConfigLoader.load(KernelConfig.rootDef(List.of(), Map.of()), null, Map.of(), Map.of()).config();
    assertThat(c.getString("dataDir")).isEqualTo("./dw-data");
    assertThat(c.getSection("bus").getString("type")).isEqualTo("inprocess");
    assertThat(c.getSection("bus").getSize("maxPayload")).isEqualTo(1L << 20);
    assertThat(c.getSection("bus").getInt("queueCapacity")).isEqualTo(8192);
    assertThat(c.getSection("kernel").getDuration("startTimeout").toSeconds()).isEqualTo(60);
  }
}
