package dev.matryoshka.index;

import java.util.Map;

/**
 * One input document: an id, then either a precomputed full vector or text to encode, plus
 * string fields to store.
 *
 * @param id document id (unique key)
 * @param vector precomputed vector, or null
 * @param text text to encode, or null
 * @param stored fields to store (title, text, anything else given as a string)
 */
public record SourceDocument(String id, float[] vector, String text, Map<String, String> stored) {}
