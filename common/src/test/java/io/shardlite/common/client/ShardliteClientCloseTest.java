package io.shardlite.common.client;

import static io.shardlite.common.client.ShardliteClient.statement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardlite.proto.ErrorCode;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShardliteClientCloseTest {
  /** A loopback port nothing listens on: every attempt fails with a retryable UNAVAILABLE. */
  private static String deadEndpoint() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + s.getLocalPort();
    }
  }

  private static ExecuteRequest tx() {
    return ExecuteRequest.newBuilder().addStatements(statement("k", "SELECT 1")).build();
  }

  @Test
  void closingAnswersATransactionThatIsRetryingInsteadOfLeavingItWithoutAnOutcome() throws Exception {
    ShardliteClient client = new ShardliteClient(List.of(deadEndpoint()), Duration.ofMinutes(5));
    CompletableFuture<ExecuteReply> retrying = client.executeAsync(tx());
    // From the 7th attempt on the back-off is 500 ms: close lands inside one.
    await("a retry waits out a long back-off").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
        .until(() -> client.attemptsSent() >= 7 && client.retriesWaiting() > 0);
    client.close();
    ExecuteReply reply = retrying.get(10, TimeUnit.SECONDS);
    assertThat(reply.getError().getCode()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(reply.getError().getRetryable()).isTrue();
  }

  @Test
  void aTransactionAfterCloseIsAnsweredAtOnceAndNothingIsSent() throws Exception {
    ShardliteClient client = new ShardliteClient(List.of(deadEndpoint()), Duration.ofMinutes(5));
    client.close();
    ExecuteReply reply = client.executeAsync(tx()).get(10, TimeUnit.SECONDS);
    assertThat(reply.getError().getCode()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(reply.getError().getMessage()).contains("closed", "nothing was sent");
  }
}
