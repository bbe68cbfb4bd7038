package dev.matryoshka.encode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class TextSanitizerTest {

  @Test
  void cleanTextIsReturnedAsIs() {
    String s = "plain text with tab\t, newline\n, emoji \uD83D\uDE00 and accents é";
    assertSame(s, TextSanitizer.sanitize(s));
  }

  @Test
  void unpairedSurrogatesBecomeReplacementCharacters() {
    assertEquals("a\uFFFDb", TextSanitizer.sanitize("a\uD800b"));
    assertEquals("\uFFFDb", TextSanitizer.sanitize("\uDC00b"));
    assertEquals("end\uFFFD", TextSanitizer.sanitize("end\uD83D"));
    assertEquals("\uFFFD\uD83D\uDE00", TextSanitizer.sanitize("\uDE00\uD83D\uDE00"));
  }

  @Test
  void controlCharactersBecomeSpaces() {
    assertEquals("a b c\td", TextSanitizer.sanitize("a\u0000b\u007Fc\td"));
    assertEquals("x \r\n", TextSanitizer.sanitize("x\u0085\r\n"));
  }
}
