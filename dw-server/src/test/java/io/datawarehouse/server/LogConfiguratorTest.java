package io.datawarehouse.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class LogConfiguratorTest {
  @AfterEach
  void clearProperty() {
    System.clearProperty("DW_LOG_LEVEL");
  }

  private static LoggerContext configured() {
    LoggerContext lc = new LoggerContext();
    LogConfigurator c = new LogConfigurator();
    c.setContext(lc);
    assertThat(c.configure(lc)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    return lc;
  }

  @Test
  void configure_isWhatLogbackXmlSays_stderrPatternAndLevels() {
    LoggerContext lc = configured();
    ch.qos.logback.classic.Logger root = lc.getLogger(Logger.ROOT_LOGGER_NAME);
    if (System.getenv("DW_LOG_LEVEL") == null) {
      assertThat(root.getLevel()).isEqualTo(Level.WARN);
    }
    ConsoleAppender<?> app = (ConsoleAppender<?>) root.getAppender("STDERR");
    assertThat(app).isNotNull();
    assertThat(app.isStarted()).isTrue();
    assertThat(app.getTarget()).isEqualTo("System.err");
    assertThat(((PatternLayoutEncoder) app.getEncoder()).getPattern()).isEqualTo(LogConfigurator.PATTERN);
    assertThat(lc.getLogger("org.apache").getLevel()).isEqualTo(Level.WARN);
    assertThat(lc.getLogger("io.netty").getLevel()).isEqualTo(Level.WARN);
  }

  @Test
  void level_comesFromDwLogLevel() {
    System.setProperty("DW_LOG_LEVEL", "debug");
    assertThat(configured().getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.DEBUG);
    System.setProperty("DW_LOG_LEVEL", "no-such-level");
    assertThat(LogConfigurator.level()).isEqualTo(Level.WARN);
  }

  @Test
  void logbackXml_andTheConfigurator_agreeOnThePattern() throws Exception {
    try (var in = LogConfigurator.class.getResourceAsStream("/logback.xml")) {
      String xml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(xml).contains("<pattern>" + LogConfigurator.PATTERN + "</pattern>");
    }
  }
}
