package io.shardlite.common.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.SettableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.shardlite.common.error.ShardliteException;
import io.shardlite.proto.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class CompletionsTest {
  @Test
  void aCallsValueAndFailureCarryOverUnwrapped() {
    SettableFuture<String> ok = SettableFuture.create();
    CompletableFuture<String> value = Completions.of(ok);
    assertThat(value).isNotDone();
    ok.set("reply");
    assertThat(value.join()).isEqualTo("reply");

    SettableFuture<String> failing = SettableFuture.create();
    StatusRuntimeException unavailable = Status.UNAVAILABLE.asRuntimeException();
    failing.setException(unavailable);
    Throwable[] seen = new Throwable[1];
    Completions.of(failing).whenComplete((r, e) -> seen[0] = e);
    assertThat(seen[0]).isSameAs(unavailable);
  }

  @Test
  void causeUnwrapsOneLayerOfFutureWrappingOnly() {
    IllegalStateException inner = new IllegalStateException("x");
    assertThat(Completions.cause(new CompletionException(inner))).isSameAs(inner);
    assertThat(Completions.cause(new ExecutionException(inner))).isSameAs(inner);
    assertThat(Completions.cause(inner)).isSameAs(inner);
    assertThat(Completions.cause(new CompletionException("no cause", null))).isInstanceOf(CompletionException.class);
  }

  @Test
  void joinRethrowsAnUncheckedFailureAsItself() {
    ShardliteException typed = new ShardliteException(ErrorCode.TIMEOUT, "late");
    assertThatThrownBy(() -> Completions.join(CompletableFuture.failedFuture(typed))).isSameAs(typed);
    assertThat(Completions.join(CompletableFuture.completedFuture(7))).isEqualTo(7);
  }
}
