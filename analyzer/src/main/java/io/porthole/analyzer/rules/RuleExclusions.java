package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import java.util.List;

/**
 * The containers one rule leaves alone ({@code rule.<name>.exclude.*}): any image glob, name glob
 * or label selector that matches excludes the container.
 */
public record RuleExclusions(List<Glob> images, List<Glob> names, List<LabelSelector> labels) {

  public static final RuleExclusions NONE = new RuleExclusions(List.of(), List.of(), List.of());

  public RuleExclusions {
    images = List.copyOf(images);
    names = List.copyOf(names);
    labels = List.copyOf(labels);
  }

  public boolean isEmpty() {
    return images.isEmpty() && names.isEmpty() && labels.isEmpty();
  }

  public boolean excludes(ContainerState container) {
    for (Glob image : images) {
      if (image.matches(container.image())) {
        return true;
      }
    }
    for (Glob name : names) {
      if (name.matches(container.name())) {
        return true;
      }
    }
    for (LabelSelector label : labels) {
      if (label.matches(container.labels())) {
        return true;
      }
    }
    return false;
  }
}
