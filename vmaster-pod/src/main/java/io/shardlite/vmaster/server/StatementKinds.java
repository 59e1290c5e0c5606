package io.shardlite.vmaster.server;

import io.shardlite.common.sql.StatementRoute;
import java.util.List;

/** What a whole transaction does, from the route of each statement ({@link StatementRoute}). */
final class StatementKinds {
  private StatementKinds() {}

  /** READ if every statement reads, DDL if every statement is DDL, WRITE otherwise. */
  static StatementRoute ofAll(List<String> sqls) {
    boolean allRead = true;
    boolean allDdl = true;
    for (String sql : sqls) {
      StatementRoute k = StatementRoute.of(sql);
      allRead &= k == StatementRoute.READ;
      allDdl &= k == StatementRoute.DDL;
    }
    return allRead ? StatementRoute.READ : allDdl ? StatementRoute.DDL : StatementRoute.WRITE;
  }
}
