package io.datawarehouse.sdk.bus;

import io.datawarehouse.sdk.DwException;

/**
 * Topic names and subscription patterns.
 *
 * <p>A topic is one or more dot-separated tokens ({@code storage.write}, {@code pipeline.step.charge}).
 * A token is non-empty and contains no whitespace, no control character, and none of {@code .},
 * {@code *}, {@code >}. A pattern is a topic whose tokens may also be {@code *} (exactly one token)
 * or, as the last token only, {@code >} (one or more tokens), as in NATS.
 *
 * <p>{@link #matches(String, String)} is the reference definition of matching; bus implementations
 * may use faster structures but must agree with it.
 */
public final class Topics {
  /** The longest topic or pattern accepted, in characters. */
  public static final int MAX_LENGTH = 512;

  private Topics() {}

  /** Whether {@code topic} is a valid concrete topic (no wildcards). */
  public static boolean isValidTopic(String topic) {
    return check(topic, false) == null;
  }

  /** Whether {@code pattern} is a valid subscription pattern. */
  public static boolean isValidPattern(String pattern) {
    return check(pattern, true) == null;
  }

  /** {@code topic}, or INVALID_ARGUMENT saying what is wrong with it. */
  public static String requireValidTopic(String topic) {
    String problem = check(topic, false);
    if (problem != null) {
      throw DwException.invalidArgument("invalid topic '" + topic + "': " + problem);
    }
    return topic;
  }

  /** {@code pattern}, or INVALID_ARGUMENT saying what is wrong with it. */
  public static String requireValidPattern(String pattern) {
    String problem = check(pattern, true);
    if (problem != null) {
      throw DwException.invalidArgument("invalid subscription pattern '" + pattern + "': " + problem);
    }
    return pattern;
  }

  /** Whether {@code pattern} contains a wildcard token. */
  public static boolean hasWildcard(String pattern) {
    for (String t : pattern.split("\\.", -1)) {
      if (t.equals("*") || t.equals(">")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The reference matcher: whether concrete {@code topic} matches {@code pattern}. Both must be
   * valid.
   */
  public static boolean matches(String pattern, String topic) {
    String[] p = pattern.split("\\.", -1);
    String[] t = topic.split("\\.", -1);
    for (int i = 0; i < p.length; i++) {
      if (p[i].equals(">")) {
        return t.length > i; // one or more remaining tokens
      }
      if (i >= t.length) {
        return false;
      }
      if (!p[i].equals("*") && !p[i].equals(t[i])) {
        return false;
      }
    }
    return p.length == t.length;
  }

  /** null when valid, else the problem. */
  private static String check(String s, boolean pattern) {
    if (s == null || s.isEmpty()) {
      return "it is empty";
    }
    if (s.length() > MAX_LENGTH) {
      return "longer than " + MAX_LENGTH + " characters";
    }
    int tokenStart = 0;
    int tokenIndex = 0;
    for (int i = 0; i <= s.length(); i++) {
      if (i == s.length() || s.charAt(i) == '.') {
        int len = i - tokenStart;
        if (len == 0) {
          return "empty token at position " + tokenIndex + " (two dots, or a leading or trailing dot)";
        }
        if (len == 1) {
          char c = s.charAt(tokenStart);
          if (c == '*' || c == '>') {
            if (!pattern) {
              return "wildcard '" + c + "' in a topic (wildcards belong in subscription patterns)";
            }
            if (c == '>' && i != s.length()) {
              return "'>' must be the last token";
            }
          }
        }
        if (len > 1) {
          for (int j = tokenStart; j < i; j++) {
            char c = s.charAt(j);
            if (c == '*' || c == '>') {
              return "'" + c + "' inside token '" + s.substring(tokenStart, i)
                  + "' (a wildcard must be a whole token)";
            }
          }
        }
        tokenStart = i + 1;
        tokenIndex++;
        continue;
      }
      char c = s.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        return "whitespace or control character at index " + i;
      }
    }
    return null;
  }
}
