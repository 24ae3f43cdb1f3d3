package io.datawarehouse.testkit;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Implements {@link RequiresServices}: fail in CI, skip loudly elsewhere. */
public final class ServicesExtension implements ExecutionCondition {

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Set<String> names = new LinkedHashSet<>();
    context.getElement().flatMap(el -> AnnotationSupport.findAnnotation(el, RequiresServices.class))
        .ifPresent(a -> names.addAll(List.of(a.value())));
    context.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, RequiresServices.class))
        .ifPresent(a -> names.addAll(List.of(a.value())));
    List<String> down = new ArrayList<>();
    for (String n : names) {
      if (!Services.isUp(n)) {
        down.add(n + " (" + Services.endpoint(n) + ")");
      }
    }
    if (down.isEmpty()) {
      return ConditionEvaluationResult.enabled("services up: " + names);
    }
    String reason = "needs " + String.join(", ", down) + ", which is not answering; start it (scripts/test does)";
    if (Services.required()) {
      throw new IllegalStateException("CI run, and a test " + reason);
    }
    System.err.println("*** SKIPPED " + context.getDisplayName() + ": " + reason + " ***");
    return ConditionEvaluationResult.disabled(reason);
  }
}
