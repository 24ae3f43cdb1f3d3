package io.datawarehouse.sdk.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masking rules for anything that prints configuration or connection targets: a key whose name
 * says it holds a secret (password, secret, key, token, credential, passphrase) is shown as
 * {@value Secret#MASK}, and the password in a URL's user-info ({@code redis://user:pw@host}) is
 * masked wherever it appears.
 */
public final class Secrets {
  /** scheme://user:password@ ; the user part may be empty. */
  private static final Pattern URL_PASSWORD =
      Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^:/?#@\\s]*:)([^@/?#\\s]+)(@)");
  /** password=... in query strings and JDBC/ADO style connection strings. */
  private static final Pattern PARAM_PASSWORD =
      Pattern.compile("(?i)((?:password|pwd|secret|token|accountkey|sharedaccesskey|sig)=)([^&;\\s]+)");

  private static final String[] NOT_SECRET_SUFFIXES = {
    "file", "path", "dir", "id", "size", "count", "bits", "days", "prefix", "tokenizer", "env", "algorithm"
  };

  private Secrets() {}

  /** Whether a configuration key's name says it holds a secret (the last dotted segment counts). */
  public static boolean isSecretName(String key) {
    if (key == null) {
      return false;
    }
    String last = key.substring(key.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    for (String notSecret : NOT_SECRET_SUFFIXES) {
      if (last.endsWith(notSecret)) {
        // keyFile, keyId, keySize, tokenizer: where a secret is or what it looks like, not the secret
        return false;
      }
    }
    return last.contains("password") || last.contains("passwd") || last.contains("secret")
        || last.contains("token") || last.contains("credential") || last.contains("passphrase")
        || last.endsWith("key");
  }

  /** {@code text} with passwords in URLs and connection strings replaced by the mask. */
  public static String maskInline(String text) {
    if (text == null) {
      return null;
    }
    Matcher m = URL_PASSWORD.matcher(text);
    String out = m.replaceAll("$1" + Matcher.quoteReplacement(Secret.MASK) + "$3");
    return PARAM_PASSWORD.matcher(out).replaceAll("$1" + Matcher.quoteReplacement(Secret.MASK));
  }

  /** The value to print for {@code key}: the mask for a secret name, else the value with inline secrets masked. */
  public static String maskValue(String key, String value) {
    if (value == null) {
      return null;
    }
    if (isSecretName(key)) {
      return Secret.MASK;
    }
    return maskInline(value);
  }
}
