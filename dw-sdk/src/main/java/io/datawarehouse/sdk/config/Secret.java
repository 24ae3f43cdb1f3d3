package io.datawarehouse.sdk.config;

import java.util.Arrays;

/**
 * A secret value (password, token, key, passphrase) that does not leak: {@link #toString()},
 * logs and JSON show {@code ****}. Call {@link #reveal()} only where the value is handed to the
 * thing that needs it.
 */
public final class Secret {
  /** What is printed in place of a secret. */
  public static final String MASK = "****";

  private final char[] value;

  private Secret(char[] value) {
    this.value = value;
  }

  public static Secret of(String value) {
    return new Secret(value.toCharArray());
  }

  /** The secret in clear. Never log it. */
  public String reveal() {
    return new String(value);
  }

  /** The secret's characters (a copy); clear the copy after use. */
  public char[] revealChars() {
    return value.clone();
  }

  public boolean isEmpty() {
    return value.length == 0;
  }

  @Override
  public String toString() {
    return MASK;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && java.security.MessageDigest.isEqual(
        new String(value).getBytes(java.nio.charset.StandardCharsets.UTF_8),
        new String(s.value).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(value);
  }
}
