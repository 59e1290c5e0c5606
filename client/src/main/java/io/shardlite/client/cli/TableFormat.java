package io.shardlite.client.cli;

import io.shardlite.common.shard.Statements;
import io.shardlite.proto.Row;
import io.shardlite.proto.StatementResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Prints statement results as aligned text tables. */
final class TableFormat {
  private TableFormat() {}

  static void print(PrintStream out, StatementResult r) {
    if (r.getColumnsCount() == 0) {
      // Only a statement that inserted rows has a rowid of its own to report (0 otherwise).
      out.printf("ok: %d row(s) affected%s%n", r.getRowsAffected(),
          r.getLastInsertRowid() != 0 ? ", last insert rowid " + r.getLastInsertRowid() : "");
      return;
    }
    List<String[]> lines = new ArrayList<>();
    lines.add(r.getColumnsList().toArray(new String[0]));
    for (Row row : r.getRowsList()) {
      String[] cells = new String[r.getColumnsCount()];
      for (int c = 0; c < cells.length; c++) {
        Object v = Statements.toJava(row.getValues(c));
        cells[c] = v == null ? "NULL" : v instanceof byte[] b ? "x'" + HexFormat.of().formatHex(b) + "'" : v.toString();
      }
      lines.add(cells);
    }
    int[] width = new int[r.getColumnsCount()];
    for (String[] l : lines) {
      for (int c = 0; c < l.length; c++) {
        width[c] = Math.max(width[c], l[c].length());
      }
    }
    for (int i = 0; i < lines.size(); i++) {
      StringBuilder sb = new StringBuilder();
      for (int c = 0; c < width.length; c++) {
        sb.append(c == 0 ? "" : " | ").append(String.format("%-" + width[c] + "s", lines.get(i)[c]));
      }
      out.println(sb.toString().stripTrailing());
      if (i == 0) {
        out.println("-".repeat(sb.toString().stripTrailing().length()));
      }
    }
    out.printf("(%d row%s)%n", r.getRowsCount(), r.getRowsCount() == 1 ? "" : "s");
  }
}
