/** The streaming plugin's commands: {@code dw stream} ({@link io.datawarehouse.server.cli.streaming.StreamCommand}) and {@code dw saga}. */
package io.datawarehouse.server.cli.streaming;
