package io.shardlite.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Iterator;
import java.util.Map;

/**
 * Whether an existing object still carries every field the operator wants, with the operator's
 * values. Fields the API server or others added are ignored (no update churn from defaulting);
 * a field of ours that was changed or removed is drift, and the child is put back.
 */
public final class OwnedFields {
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private OwnedFields() {}

  public static boolean upToDate(HasMetadata existing, HasMetadata desired) {
    JsonNode want = JSON.valueToTree(desired);
    JsonNode have = JSON.valueToTree(existing);
    return contains(have.path("spec"), want.path("spec")) && contains(have.path("data"), want.path("data"))
        && contains(have.path("metadata").path("labels"), want.path("metadata").path("labels"))
        && contains(have.path("metadata").path("ownerReferences"), want.path("metadata").path("ownerReferences"));
  }

  /** {@code want} is a subset of {@code have}: objects by key, arrays element by element, values equal. */
  static boolean contains(JsonNode have, JsonNode want) {
    if (want == null || want.isMissingNode() || want.isNull()) {
      return true;
    }
    if (have == null || have.isMissingNode() || have.isNull()) {
      return want.isContainerNode() && want.isEmpty();
    }
    if (want.isObject()) {
      if (!have.isObject()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!contains(have.get(e.getKey()), e.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (want.isArray()) {
      if (!have.isArray() || have.size() != want.size()) {
        return false;
      }
      for (int i = 0; i < want.size(); i++) {
        if (!contains(have.get(i), want.get(i))) {
          return false;
        }
      }
      return true;
    }
    // Quantities and ports may come back as strings or numbers: compare their text.
    return have.asText().equals(want.asText());
  }
}
