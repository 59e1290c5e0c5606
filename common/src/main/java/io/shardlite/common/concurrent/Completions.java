package io.shardlite.common.concurrent;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Bridges gRPC's future stubs to {@link CompletableFuture}s, and unwraps what futures wrap. */
public final class Completions {
  private Completions() {}

  /**
   * {@code call}'s outcome as a CompletableFuture: its value, or its failure itself (a gRPC
   * {@code StatusRuntimeException}, not wrapped). Completed on the thread that completes {@code call}.
   */
  public static <T> CompletableFuture<T> of(ListenableFuture<T> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    call.addListener(() -> {
      try {
        result.complete(Futures.getDone(call));
      } catch (ExecutionException | RuntimeException e) {
        result.completeExceptionally(cause(e));
      }
    }, MoreExecutors.directExecutor());
    return result;
  }

  /** The failure a {@link CompletionException} or {@link ExecutionException} wraps; else {@code t}. */
  public static Throwable cause(Throwable t) {
    return (t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null
        ? t.getCause() : t;
  }

  /** Waits for {@code future}; a failure is rethrown as itself when it is unchecked. */
  public static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }
}
