package io.shardlite.client.jdbc;

import io.shardlite.common.client.ShardliteClient;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import java.time.Duration;
import java.util.List;

/**
 * What the JDBC classes need from the cluster: run one transaction and get its reply (results or
 * a typed error). The product implementation is {@link #of(List, Duration)} over
 * {@link ShardliteClient}; tests pass a fake.
 */
public interface TxExecutor extends AutoCloseable {
  ExecuteReply execute(ExecuteRequest request);

  @Override
  void close();

  /** The real thing: a {@link ShardliteClient} over the given virtual master endpoints. */
  static TxExecutor of(List<String> endpoints, Duration timeout) {
    ShardliteClient client = new ShardliteClient(endpoints, timeout);
    return new TxExecutor() {
      @Override
      public ExecuteReply execute(ExecuteRequest request) {
        return client.execute(request);
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }
}
