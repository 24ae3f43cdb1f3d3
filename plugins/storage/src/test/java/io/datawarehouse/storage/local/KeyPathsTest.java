package io.datawarehouse.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.datawarehouse.storage.ObjectKeys;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

class KeyPathsTest {
  @Property(tries = 500)
  void encodeSegment_anyString_decodesBackAndIsSafe(@ForAll @StringLength(min = 1, max = 40) String seg) {
    String enc = KeyPaths.encodeSegment(seg);
    assertThat(enc).doesNotContain("@", "/", "\\", "\0").doesNotStartWith(".");
    assertThat(enc.chars()).allMatch(c -> c > 0x20 && c < 0x7F);
    if (seg.codePoints().allMatch(Character::isValidCodePoint) && !hasLoneSurrogate(seg)) {
      assertThat(KeyPaths.decodeSegment(enc)).isEqualTo(seg);
    }
  }

  @Property(tries = 300)
  void compare_matchesUtf8ByteOrder(@ForAll @StringLength(max = 8) String a, @ForAll @StringLength(max = 8) String b) {
    if (hasLoneSurrogate(a) || hasLoneSurrogate(b)) {
      return;
    }
    int expected = java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(Integer.signum(ObjectKeys.compare(a, b))).isEqualTo(Integer.signum(expected));
  }

  private static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
