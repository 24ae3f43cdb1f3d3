package io.datawarehouse.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that needs outside services (by {@link Services} name:
 * "postgres", "mariadb", "redis", "rabbitmq", "mosquitto", "nats", or a name registered with
 * {@link Services#register}).
 *
 * <p>When a service does not answer on its port: in CI ({@code DW_REQUIRE_SERVICES=true} or
 * {@code CI=true}) the test fails, because CI must start every service the tests need; on a
 * developer machine it is skipped with a loud reason on stderr.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(ServicesExtension.class)
public @interface RequiresServices {
  /** Service names. */
  String[] value();
}
