package io.datawarehouse.intelligence.schema;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What kind of model feature a column is, for AutoML. */
public enum FeatureType {
  /** A quantity: scale it. */
  NUMERIC,
  /** One of few values: encode it (one-hot, target encoding). */
  CATEGORICAL,
  BOOLEAN,
  /** A point in time: derive features (hour, weekday, age). */
  TIMESTAMP,
  /** Free text: embed or vectorise it. */
  TEXT,
  /** An identifier, unique per row: leave it out of the features. */
  ID_LIKE;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
