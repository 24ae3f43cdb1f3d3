package io.datawarehouse.connector.jdbc;

import io.datawarehouse.sdk.DwException;
import java.util.Locale;
import java.util.Set;

/**
 * The first line of defence of {@code storage.query}: one statement, and a reading one. The read-
 * only transaction is the second line, but it does not stop everything: MariaDB and MySQL commit
 * implicitly before DDL, so a {@code DROP TABLE} would run outside it. So the statement is
 * scanned (string literals, quoted identifiers, dollar quotes and comments skipped) and accepted
 * only when it is a single statement starting with SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN,
 * DESCRIBE or DESC, and writes no file ({@code INTO OUTFILE}/{@code DUMPFILE}). Parameters are
 * never part of the SQL text, so they need no scanning. For full safety also give the source a
 * database user with read permissions only.
 */
final class SqlGuard {
  private static final Set<String> READING = Set.of("SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "DESCRIBE", "DESC");

  private SqlGuard() {}

  /**
   * Accepts {@code sql} or throws INVALID_ARGUMENT saying why. Backslashes escape quotes in
   * MySQL strings but not in PostgreSQL's: the SQL must pass read both ways.
   */
  static void check(String source, String sql) {
    checkCode(source, codeOnly(sql, true));
    checkCode(source, codeOnly(sql, false));
  }

  private static void checkCode(String source, String scanned) {
    String code = scanned.trim();
    while (code.endsWith(";")) {
      code = code.substring(0, code.length() - 1).trim();
    }
    if (code.indexOf(';') >= 0) {
      throw DwException.invalidArgument("source '" + source + "': one statement per request; the SQL has a ';' between statements");
    }
    String body = code;
    while (body.startsWith("(")) {
      body = body.substring(1).trim();
    }
    int end = 0;
    while (end < body.length() && Character.isLetter(body.charAt(end))) {
      end++;
    }
    String first = body.substring(0, end).toUpperCase(Locale.ROOT);
    if (!READING.contains(first)) {
      throw DwException.invalidArgument("source '" + source + "': storage.query runs reading statements only (SELECT, WITH, "
          + "VALUES, TABLE, SHOW, EXPLAIN, DESCRIBE); this one starts with '" + (first.isEmpty() ? body : first) + "'");
    }
    String upper = code.toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
    if (upper.contains(" INTO OUTFILE") || upper.contains(" INTO DUMPFILE")) {
      throw DwException.invalidArgument("source '" + source + "': storage.query does not write files (INTO OUTFILE/DUMPFILE)");
    }
  }

  /** {@code sql} with literals, quoted identifiers and comments replaced by spaces. */
  static String codeOnly(String sql, boolean backslashEscapes) {
    StringBuilder out = new StringBuilder(sql.length());
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"' || c == '`') {
        int j = i + 1;
        while (j < n) {
          char d = sql.charAt(j);
          if (backslashEscapes && d == '\\' && c != '"' && j + 1 < n) {
            j += 2; // MySQL backslash escapes
            continue;
          }
          if (d == c) {
            if (j + 1 < n && sql.charAt(j + 1) == c) {
              j += 2; // doubled quote
              continue;
            }
            break;
          }
          j++;
        }
        out.append(' ');
        i = Math.min(n, j + 1);
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-' || c == '#') {
        while (i < n && sql.charAt(i) != '\n') {
          i++;
        }
        out.append(' ');
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int j = sql.indexOf("*/", i + 2);
        i = j < 0 ? n : j + 2;
        out.append(' ');
      } else if (c == '$') {
        int j = i + 1;
        while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
          j++;
        }
        if (j < n && sql.charAt(j) == '$') {
          String tag = sql.substring(i, j + 1);
          int close = sql.indexOf(tag, j + 1);
          i = close < 0 ? n : close + tag.length();
          out.append(' ');
        } else {
          out.append(c);
          i++;
        }
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
