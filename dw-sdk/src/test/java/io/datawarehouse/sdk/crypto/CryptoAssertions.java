package io.datawarehouse.sdk.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Helpers shared by the crypto tests. */
final class CryptoAssertions {
  private CryptoAssertions() {}

  /** Bytes of a hex string; spaces and line breaks are ignored. */
  static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replaceAll("\\s", ""));
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  static byte[] randomBytes(long seed, int n) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** Asserts that {@code call} throws a DwException with {@code code} and returns it. */
  static DwException assertCode(ErrorCode code, ThrowingCallable call) {
    Throwable[] thrown = new Throwable[1];
    assertThatThrownBy(() -> {
      try {
        call.call();
      } catch (Throwable t) {
        thrown[0] = t;
        throw t;
      }
    }).isInstanceOf(DwException.class);
    DwException e = (DwException) thrown[0];
    assertThat(e.code()).as("code of: %s", e.getMessage()).isEqualTo(code);
    return e;
  }

  static DwException assertIntegrity(ThrowingCallable call) {
    return assertCode(ErrorCode.INTEGRITY, call);
  }
}
