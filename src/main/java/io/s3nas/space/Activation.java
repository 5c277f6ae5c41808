package io.s3nas.space;

import java.util.Arrays;
import java.util.Optional;

/** Activation names of the block-string suffix and the model JSON globals (docs/method.md §9, §12). */
public enum Activation {
  RELU("relu"),
  RELU6("relu6"),
  SWISH("sw"),
  HSWISH("hsw"),
  HSIGMOID("hsigmoid"),
  SIGMOID("sigmoid");

  private final String token;

  Activation(String token) {
    this.token = token;
  }

  public String token() {
    return token;
  }

  public static Optional<Activation> ofToken(String token) {
    return Arrays.stream(values()).filter(a -> a.token.equals(token)).findFirst();
  }

  public static String allTokens() {
    return String.join(", ", Arrays.stream(values()).map(Activation::token).toList());
  }
}
