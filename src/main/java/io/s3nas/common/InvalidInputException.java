package io.s3nas.common;

/**
 * A user-supplied input (file, flag, block string, table) that cannot be used. The message always
 * names where the input came from, the offending field and what was expected, so the CLI can print
 * it as is and exit with code 2 without a stack trace.
 */
public final class InvalidInputException extends RuntimeException {
  private final String source;
  private final String field;

  public InvalidInputException(String source, String field, String expectation) {
    super(compose(source, field, expectation));
    this.source = source;
    this.field = field;
  }

  public InvalidInputException(String source, String field, String expectation, Throwable cause) {
    super(compose(source, field, expectation), cause);
    this.source = source;
    this.field = field;
  }

  private static String compose(String source, String field, String expectation) {
    StringBuilder sb = new StringBuilder();
    if (source != null && !source.isEmpty()) {
      sb.append(source);
    }
    if (field != null && !field.isEmpty()) {
      sb.append(sb.length() > 0 ? ": " : "").append("field '").append(field).append("'");
    }
    if (sb.length() > 0) {
      sb.append(": ");
    }
    return sb.append(expectation).toString();
  }

  /** The file, flag or other origin of the bad input. */
  public String source() {
    return source;
  }

  /** The field within the source, or null when the whole source is wrong. */
  public String field() {
    return field;
  }

  /** Re-attributes an error found in a nested value (a block string inside a JSON file). */
  public InvalidInputException within(String outerSource, String outerField) {
    return new InvalidInputException(outerSource, outerField, getMessage(), this);
  }
}
