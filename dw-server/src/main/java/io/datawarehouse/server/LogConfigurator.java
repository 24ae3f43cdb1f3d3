package io.datawarehouse.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * Logging set-up in code (found by logback through {@code META-INF/services}), the same as
 * {@code logback.xml} says: one stderr appender, root level {@code DW_LOG_LEVEL} (system property
 * or environment variable, default WARN; the dw command then sets its own level), {@code org.apache}
 * and {@code io.netty} at WARN. Why: every {@code dw} command is a fresh JVM, and logback's XML
 * configurator (SAX parser, Joran model, rule interpretation) costs start-up CPU for four settings.
 * With {@code -Dlogback.configurationFile=...} it steps aside and that file is used.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext lc) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(lc);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(lc);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = lc.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level());
    root.addAppender(stderr);
    lc.getLogger("org.apache").setLevel(Level.WARN);
    lc.getLogger("io.netty").setLevel(Level.WARN);
    // DJL probes for a GPU whenever a model loads and warns when there is no CUDA driver; the
    // embedding models run on the CPU by design, so that probe's failure is not news
    lc.getLogger("ai.djl.util.cuda.CudaUtils").setLevel(Level.ERROR);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** {@code DW_LOG_LEVEL} as logback.xml resolved it: system property, then environment; WARN otherwise. */
  static Level level() {
    String v = System.getProperty("DW_LOG_LEVEL");
    if (v == null || v.isBlank()) {
      v = System.getenv("DW_LOG_LEVEL");
    }
    return Level.toLevel(v == null ? null : v.trim(), Level.WARN);
  }
}
