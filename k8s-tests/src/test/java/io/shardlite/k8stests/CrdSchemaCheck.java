package io.shardlite.k8stests;

import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a value against a CRD's structural OpenAPI schema the way the API server's schema
 * validation does for the parts a user writes by hand: known fields, types, bounds, patterns and
 * enums (not the CEL rules, which need an API server).
 */
final class CrdSchemaCheck {
  private CrdSchemaCheck() {}

  static List<String> problems(JSONSchemaProps schema, Object value) {
    List<String> out = new ArrayList<>();
    check(schema, value, "", out);
    return out;
  }

  private static void check(JSONSchemaProps schema, Object value, String path, List<String> out) {
    if (value == null || schema == null) {
      return;
    }
    String type = schema.getType();
    if (type == null) {
      return;
    }
    switch (type) {
      case "object" -> {
        if (!(value instanceof Map<?, ?> map)) {
          out.add(path + ": expected an object, got " + value);
          return;
        }
        boolean open = Boolean.TRUE.equals(schema.getXKubernetesPreserveUnknownFields());
        for (Map.Entry<?, ?> e : map.entrySet()) {
          String key = e.getKey().toString();
          JSONSchemaProps field = schema.getProperties() == null ? null : schema.getProperties().get(key);
          if (field != null) {
            check(field, e.getValue(), path + "." + key, out);
          } else if (schema.getAdditionalProperties() != null && schema.getAdditionalProperties().getSchema() != null) {
            check(schema.getAdditionalProperties().getSchema(), e.getValue(), path + "." + key, out);
          } else if (!open && (schema.getAdditionalProperties() == null || !Boolean.TRUE.equals(schema.getAdditionalProperties().getAllows()))) {
            out.add(path + "." + key + ": unknown field");
          }
        }
        if (schema.getRequired() != null) {
          schema.getRequired().stream().filter(r -> !map.containsKey(r)).forEach(r -> out.add(path + "." + r + ": required"));
        }
      }
      case "array" -> {
        if (!(value instanceof List<?> list)) {
          out.add(path + ": expected an array, got " + value);
          return;
        }
        for (int i = 0; i < list.size(); i++) {
          check(schema.getItems() == null ? null : schema.getItems().getSchema(), list.get(i), path + "[" + i + "]", out);
        }
      }
      case "integer" -> {
        if (!(value instanceof Integer || value instanceof Long)) {
          out.add(path + ": expected an integer, got " + value);
          return;
        }
        bounds(schema, ((Number) value).doubleValue(), path, out);
      }
      case "number" -> {
        if (!(value instanceof Number n)) {
          out.add(path + ": expected a number, got " + value);
          return;
        }
        bounds(schema, n.doubleValue(), path, out);
      }
      case "boolean" -> {
        if (!(value instanceof Boolean)) {
          out.add(path + ": expected a boolean, got " + value);
        }
      }
      case "string" -> {
        if (!(value instanceof String s)) {
          // int-or-string fields (quantities) accept numbers too.
          if (!(Boolean.TRUE.equals(schema.getXKubernetesIntOrString()) && value instanceof Number)) {
            out.add(path + ": expected a string, got " + value);
          }
          return;
        }
        if (schema.getPattern() != null && !s.matches(schema.getPattern())) {
          out.add(path + ": '" + s + "' does not match " + schema.getPattern());
        }
      }
      default -> { }
    }
    if (schema.getEnum() != null && !schema.getEnum().isEmpty()
        && schema.getEnum().stream().noneMatch(e -> e.toString().replace("\"", "").equals(value.toString()))) {
      out.add(path + ": " + value + " is not one of " + schema.getEnum());
    }
  }

  private static void bounds(JSONSchemaProps schema, double v, String path, List<String> out) {
    if (schema.getMinimum() != null && v < schema.getMinimum()) {
      out.add(path + ": " + v + " < minimum " + schema.getMinimum());
    }
    if (schema.getMaximum() != null && v > schema.getMaximum()) {
      out.add(path + ": " + v + " > maximum " + schema.getMaximum());
    }
  }
}
