package io.shardlite.client.jdbc;

import io.shardlite.common.sql.StatementRoute;
import io.shardlite.proto.ExecuteReply;
import io.shardlite.proto.ExecuteRequest;
import io.shardlite.proto.Row;
import io.shardlite.proto.StatementResult;
import io.shardlite.proto.TxStatement;
import io.shardlite.proto.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Records every transaction; answers reads with one row (1) and writes with 1 row affected, rowid 42. */
final class FakeExecutor implements TxExecutor {
  final List<ExecuteRequest> requests = new ArrayList<>();
  Function<ExecuteRequest, ExecuteReply> answer = FakeExecutor::cannedReply;
  boolean closed;

  @Override
  public ExecuteReply execute(ExecuteRequest request) {
    requests.add(request);
    return answer.apply(request);
  }

  @Override
  public void close() {
    closed = true;
  }

  ExecuteRequest last() {
    return requests.get(requests.size() - 1);
  }

  static ExecuteReply cannedReply(ExecuteRequest request) {
    ExecuteReply.Builder reply = ExecuteReply.newBuilder().setGlobalLsn(7);
    for (TxStatement s : request.getStatementsList()) {
      if (StatementRoute.of(s.getSql()) == StatementRoute.READ) {
        reply.addResults(StatementResult.newBuilder().addColumns("1")
            .addRows(Row.newBuilder().addValues(Value.newBuilder().setInteger(1))));
      } else if (StatementRoute.of(s.getSql()) == StatementRoute.DDL) {
        reply.addResults(StatementResult.getDefaultInstance());
      } else {
        reply.addResults(StatementResult.newBuilder().setRowsAffected(1).setLastInsertRowid(42));
      }
    }
    return reply.build();
  }
}
