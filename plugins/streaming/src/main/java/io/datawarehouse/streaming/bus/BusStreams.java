package io.datawarehouse.streaming.bus;

import io.datawarehouse.sdk.bus.Message;
import io.datawarehouse.sdk.bus.MessageBus;
import io.datawarehouse.sdk.bus.MessageHandler;
import io.datawarehouse.sdk.bus.SubscribeOptions;
import io.datawarehouse.sdk.bus.Subscription;
import io.datawarehouse.sdk.bus.Topics;
import io.datawarehouse.streaming.Codec;
import io.datawarehouse.streaming.QueueSource;
import io.datawarehouse.streaming.Sink;
import io.datawarehouse.streaming.Source;
import io.datawarehouse.streaming.SourceCollector;
import io.datawarehouse.streaming.Sources;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Sources and sinks on the bus: a subscription as a pipeline's input, a topic and {@code
 * storage.write} as its outputs.
 */
public final class BusStreams {
  private BusStreams() {}

  /**
   * The messages published on {@code pattern} as records decoded by {@code codec}. Messages wait
   * in a bounded queue of {@code capacity}; when it is full the bus handler waits up to {@code
   * putTimeout} (the bus's own subscriber queue then fills and its publishers wait: backpressure
   * end to end), then the message fails with RESOURCE_EXHAUSTED in the bus statistics. A payload
   * that does not decode goes to the dead letters as BAD_PAYLOAD.
   *
   * <p>Not seekable: after a restart the pipeline resumes with what is published next.
   */
  public static <T> Source<T> subscribe(MessageBus bus, String pattern, Codec<T> codec, int capacity,
      Duration putTimeout) {
    Objects.requireNonNull(bus, "bus");
    Objects.requireNonNull(codec, "codec");
    Topics.requireValidPattern(pattern);
    QueueSource<T> queue = Sources.queue(capacity);
    return new Source<>() {
      private Subscription sub;

      @Override
      public void open(String pipeline) {
        sub = bus.subscribe(pattern, SubscribeOptions.defaults().withName("stream-" + pipeline),
            MessageHandler.listener(m -> {
              T value;
              try {
                value = codec.decode(m.payload());
              } catch (RuntimeException e) {
                queue.reject(m.payload(), "message " + m.id() + " on '" + m.topic() + "' does not decode: "
                    + e.getMessage(), putTimeout);
                return;
              }
              queue.put(value, putTimeout);
            }));
      }

      @Override
      public int poll(int max, Duration wait, SourceCollector<T> out) throws Exception {
        return queue.poll(max, wait, out);
      }

      @Override
      public long position() {
        return queue.position();
      }

      @Override
      public boolean seekable() {
        return false;
      }

      @Override
      public void seek(long position) {
        queue.seek(position);
      }

      @Override
      public long backpressureNanos() {
        return queue.backpressureNanos();
      }

      @Override
      public void close() {
        if (sub != null) {
          sub.unsubscribe();
        }
        queue.close();
      }
    };
  }

  /**
   * Publishes each result as JSON ({@code body(result)}) on {@code topic}. At-least-once: after a
   * crash, results since the last checkpoint are published again with the same content.
   */
  public static <T> Sink<T> publish(MessageBus bus, String topic, Function<? super T, ?> body) {
    Objects.requireNonNull(bus, "bus");
    Objects.requireNonNull(body, "body");
    Topics.requireValidTopic(topic);
    return (value, ts) -> bus.publish(Message.json(topic, body.apply(value)));
  }

  /**
   * Stores each result through the storage plugin: a {@code storage.write} request {@code
   * {"store": store, "key": key(result), "contentBase64": base64(content(result))}}, waiting up to {@code
   * timeout} for the reply. An error reply fails the pipeline (it restarts from its last
   * checkpoint); writing the same key again is idempotent, so the replay stores each result once.
   */
  public static <T> Sink<T> storageWrite(MessageBus bus, String store, Function<? super T, String> key,
      Function<? super T, byte[]> content, Duration timeout) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(content, "content");
    return (value, ts) -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("store", store);
      body.put("key", key.apply(value));
      body.put("contentBase64", Base64.getEncoder().encodeToString(content.apply(value)));
      Message reply = bus.requestSync(Message.json("storage.write", body), timeout);
      if (reply.isError()) {
        throw reply.error();
      }
    };
  }
}
