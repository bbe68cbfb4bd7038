package dev.matryoshka.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class DocumentTextTest {
  @Test
  void joinsTitleAndTextWithOneSpaceAndStripsTheEnds() {
    assertEquals("Title Body.", DocumentText.of("Title", "Body."));
    // inner white space is kept: the tokenizer, not this rule, decides what it means
    assertEquals("Title  Body.", DocumentText.of("Title ", "Body. \n"));
    // strip, not trim: Unicode spaces (here an ideographic space) go too
    assertEquals("Body.", DocumentText.of("\u3000", "Body."));
  }

  @Test
  void aMissingPartCountsAsEmptyAndNoPartsMeansNoText() {
    assertEquals("Body.", DocumentText.of(null, "Body."));
    assertEquals("Title", DocumentText.of("Title", null));
    assertEquals("", DocumentText.of("", ""));
    assertNull(DocumentText.of(null, null));
  }
}
