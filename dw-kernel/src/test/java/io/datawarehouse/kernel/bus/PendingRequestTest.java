package io.datawarehouse.kernel.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.sdk.bus.Message;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The accounting of one request in flight, under the race the bus sees. */
class PendingRequestTest {

  /** A future whose completion pauses until the test lets it go, to hold a race open. */
  static final class PausingFuture extends CompletableFuture<Message> {
    final CountDownLatch completing = new CountDownLatch(1);
    final CountDownLatch mayComplete = new CountDownLatch(1);

    @Override
    public boolean complete(Message value) {
      completing.countDown();
      try {
        mayComplete.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return super.complete(value);
    }
  }

  /**
   * Regression: a reply racing with the sender releasing its hold was reported as NO_RESPONDERS
   * (seen under load in queueGroup_request_answeredByExactlyOneMember). The responder is held
   * inside the completion of the future while the sender releases its hold.
   */
  @Test
  void senderReleasesWhileTheReplyIsBeingDelivered_requestEndsWithTheReply() throws Exception {
    try (InProcessMessageBus bus = new InProcessMessageBus()) {
      Message request = Message.text("race.x", "");
      PausingFuture f = new PausingFuture();
      PendingRequest p = new PendingRequest(bus, "race.x", f);
      p.delivering();
      Thread responder = Thread.ofPlatform().start(() -> p.reply(Message.replyTo(request).text("ok").build()));
      assertThat(f.completing.await(10, TimeUnit.SECONDS)).isTrue();
      boolean endedIt = p.releaseSender();
      f.mayComplete.countDown();
      responder.join();
      assertThat(endedIt).as("the sender must not end an answered request").isFalse();
      assertThat(f.get(10, TimeUnit.SECONDS).text()).isEqualTo("ok");
    }
  }
}
