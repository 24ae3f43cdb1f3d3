package io.datawarehouse.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeploymentSpecTest {
  private static final String BASE = """
      service: web
      version:
        name: v2
        command: [java, -jar, app.jar, --port, "${port}", --name, "${instance}", --v, "${version}", "${service}"]
        env: {MODE: prod}
        readinessPath: /health
      instances: 3
      basePort: 18000
      routerPort: 18100
      """;

  @Test
  void parse_canaryWithAnalysis_readsEverythingAndFillsPlaceholders() {
    DeploymentSpec s = DeploymentSpec.parse(BASE + """
        strategy:
          type: canary
          steps: [{weight: 5, pause: 30s}, {weight: 50}, {weight: 100}]
          canaryInstances: 1
          analysis: {interval: 1m, minSamples: 200, maxErrorRateIncrease: 0.02}
        """, "spec.yaml");
    assertThat(s.strategy().parsedType()).isEqualTo(DeploymentSpec.Type.CANARY);
    assertThat(s.strategy().analysis().withDefaults().intervalDuration()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.strategy().analysis().withDefaults().failureLimit()).isEqualTo(1);
    InstanceCommand c = s.startCommand(2);
    assertThat(c.instance()).isEqualTo("web-2");
    assertThat(c.command()).containsExactly("java", "-jar", "app.jar", "--port", "18002", "--name", "web-2", "--v", "v2",
        "web");
    assertThat(c.readiness().httpUrl()).isEqualTo("http://127.0.0.1:18002/health");
    assertThat(c.env()).containsEntry("MODE", "prod");
    assertThat(s.backend(4)).isEqualTo("127.0.0.1:18004");
  }

  @Test
  void parse_badValues_nameTheField() {
    assertBad(BASE + "strategy: {type: yolo}", "strategy.type");
    assertBad(BASE + "strategy: {type: rolling, maxSurge: 0, maxUnavailable: 0}", "not both 0");
    assertBad(BASE + "strategy: {type: canary, steps: [{weight: 50}, {weight: 20}]}", "must rise");
    assertBad(BASE + "strategy: {type: canary, steps: [{weight: 10, pause: soon}]}", "soon");
    assertBad(BASE.replace("routerPort: 18100\n", "") + "strategy: {type: bluegreen}", "routerPort is required");
    assertBad(BASE.replace("service: web", "service: Web!") + "strategy: {type: rolling}", "service must match");
    assertBad(BASE.replace("instances: 3", "instances: 0") + "strategy: {type: rolling}", "instances must be");
    assertBad(BASE + "strategy: {type: rolling}\nreplicas: 3", "replicas");
    assertBad("service: [", "not valid YAML");
  }

  private static void assertBad(String yaml, String fragment) {
    assertThatThrownBy(() -> DeploymentSpec.parse(yaml, "spec.yaml")).isInstanceOf(DwException.class)
        .hasMessageContaining(fragment)
        .satisfies(e -> assertThat(((DwException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void readmeExample_parses() throws Exception {
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
    int start = readme.indexOf("```yaml\n") + 8;
    String yaml = readme.substring(start, readme.indexOf("```", start));
    DeploymentSpec s = DeploymentSpec.parse(yaml, "README.md");
    assertThat(s.strategy().parsedType()).isEqualTo(DeploymentSpec.Type.CANARY);
    assertThat(s.strategy().steps()).hasSize(4);
  }

  @Test
  void latencyHistogram_quantilesWithinBucketResolution() {
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 1; i <= 1000; i++) {
      h.recordMicros(i * 10L);
    }
    long p50 = LatencyHistogram.quantile(h.snapshot(), 0.5);
    long p99 = LatencyHistogram.quantile(h.snapshot(), 0.99);
    assertThat(p50).isBetween(5000L, (long) (5000 * 1.19) + 1);
    assertThat(p99).isBetween(9900L, (long) (9900 * 1.19) + 1);
    assertThat(LatencyHistogram.quantile(new long[LatencyHistogram.BUCKETS], 0.99)).isZero();
  }
}
