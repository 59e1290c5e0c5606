package io.shardlite.vmaster.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardlite.proto.Error;
import io.shardlite.proto.ErrorCode;
import org.junit.jupiter.api.Test;

class CoordinatorVoteTest {
  private static Error vote(ErrorCode code) {
    return Error.newBuilder().setCode(code).setStatementIndex(-1).setMessage("from the shard").build();
  }

  @Test
  void aPartRefusedForItsLsnAbortsRetryably() {
    Error answer = Coordinator.voteFailure("tx-1", vote(ErrorCode.OUT_OF_ORDER_LSN), true);
    assertThat(answer.getCode()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(answer.getRetryable()).isTrue();
    assertThat(answer.getMessage()).contains("tx-1", "aborted", "nothing was changed", "from the shard");
  }

  @Test
  void userErrorsAndUnabortedTransactionsAnswerAsTheyCame() {
    Error constraint = vote(ErrorCode.CONSTRAINT_VIOLATION);
    assertThat(Coordinator.voteFailure("tx-1", constraint, true)).isEqualTo(constraint);
    Error sql = vote(ErrorCode.SQL_ERROR);
    assertThat(Coordinator.voteFailure("tx-1", sql, true)).isEqualTo(sql);
    // Not aborted (another decision won): nothing is promised about a retry.
    Error late = vote(ErrorCode.OUT_OF_ORDER_LSN);
    assertThat(Coordinator.voteFailure("tx-1", late, false)).isEqualTo(late);
  }
}
