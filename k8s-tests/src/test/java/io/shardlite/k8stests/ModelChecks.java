package io.shardlite.k8stests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks that a rendered object is valid for the apiVersion/kind it names: it parsed into
 * Fabric8's typed class (so the pair is one Kubernetes serves), no field was unknown to that
 * class (Fabric8 keeps unknown fields in additionalProperties), and the fields the API server
 * requires are present.
 */
final class ModelChecks {
  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$");

  private ModelChecks() {}

  /** Every object of the chart, typed or not. */
  static void assertValid(Manifests manifests) {
    for (HasMetadata item : manifests.items()) {
      assertValid(item, manifests);
    }
  }

  static void assertValid(HasMetadata item, Manifests all) {
    String what = item.getKind() + " " + item.getMetadata().getName();
    assertThat(item.getApiVersion()).as(what + " apiVersion").isNotBlank();
    assertThat(item.getMetadata().getName()).as(what + " name").isNotBlank().hasSizeLessThanOrEqualTo(253)
        .matches(DNS_SUBDOMAIN);
    if (item instanceof GenericKubernetesResource generic) {
      assertThat(generic.getKind()).as("only custom resources stay untyped: " + what)
          .isIn("ServiceMonitor", "ShardCluster");
      assertThat(item.getMetadata().getNamespace()).as(what + " namespace").isNotBlank();
      return;
    }
    assertNoUnknownFields(item, what);
    if (item instanceof Namespaced) {
      assertThat(item.getMetadata().getNamespace()).as(what + " is namespaced: the chart sets its namespace")
          .isNotBlank().matches(DNS_LABEL);
    } else {
      assertThat(item.getMetadata().getNamespace()).as(what + " is cluster-scoped").isNull();
    }
    if (item instanceof Deployment d) {
      deployment(d, what);
    } else if (item instanceof Service s) {
      service(s, what);
    } else if (item instanceof Role r) {
      rules(r.getRules(), what);
    } else if (item instanceof ClusterRole r) {
      rules(r.getRules(), what);
    } else if (item instanceof RoleBinding b) {
      binding(b.getRoleRef(), b.getSubjects(), what, all, b.getMetadata().getNamespace());
    } else if (item instanceof ClusterRoleBinding b) {
      binding(b.getRoleRef(), b.getSubjects(), what, all, null);
    } else if (item instanceof CustomResourceDefinition crd) {
      crd(crd, what);
    } else if (item instanceof PodDisruptionBudget pdb) {
      assertThat(pdb.getSpec().getSelector().getMatchLabels()).as(what + " selector").isNotEmpty();
      assertThat(pdb.getSpec().getMinAvailable() == null ^ pdb.getSpec().getMaxUnavailable() == null)
          .as(what + " has exactly one of minAvailable and maxUnavailable").isTrue();
    } else if (!(item instanceof ServiceAccount)) {
      throw new AssertionError("no validity check for " + item.getClass().getName() + " (" + what + ")");
    }
  }

  private static void deployment(Deployment d, String what) {
    assertThat(d.getSpec().getSelector().getMatchLabels()).as(what + " selector").isNotEmpty();
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).as(what + " template labels match the selector")
        .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
    List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).as(what + " containers").isNotEmpty();
    for (Container c : containers) {
      assertThat(c.getName()).as(what + " container name").matches(DNS_LABEL);
      assertThat(c.getImage()).as(what + " container image").isNotBlank();
      c.getPorts().forEach(p -> assertThat(p.getContainerPort()).as(what + " port").isBetween(1, 65535));
      c.getVolumeMounts().forEach(m -> assertThat(d.getSpec().getTemplate().getSpec().getVolumes())
          .as(what + " mounts a declared volume " + m.getName()).anyMatch(v -> v.getName().equals(m.getName())));
    }
  }

  private static void service(Service s, String what) {
    assertThat(s.getSpec().getPorts()).as(what + " ports").isNotEmpty();
    for (ServicePort p : s.getSpec().getPorts()) {
      assertThat(p.getPort()).as(what + " port").isBetween(1, 65535);
    }
    assertThat(s.getSpec().getSelector()).as(what + " selector").isNotEmpty();
  }

  private static void rules(List<PolicyRule> rules, String what) {
    assertThat(rules).as(what + " rules").isNotEmpty();
    for (PolicyRule r : rules) {
      assertThat(r.getVerbs()).as(what + " verbs").isNotEmpty();
      assertThat(r.getApiGroups()).as(what + " apiGroups").isNotEmpty();
      assertThat(r.getResources()).as(what + " resources").isNotEmpty();
    }
  }

  private static void binding(RoleRef ref, List<Subject> subjects, String what, Manifests all, String namespace) {
    assertThat(ref.getApiGroup()).as(what + " roleRef.apiGroup").isEqualTo("rbac.authorization.k8s.io");
    assertThat(ref.getKind()).as(what + " roleRef.kind").isIn("Role", "ClusterRole");
    boolean target = "Role".equals(ref.getKind())
        ? all.all(Role.class).stream().anyMatch(r -> r.getMetadata().getName().equals(ref.getName())
            && r.getMetadata().getNamespace().equals(namespace))
        : all.all(ClusterRole.class).stream().anyMatch(r -> r.getMetadata().getName().equals(ref.getName()));
    assertThat(target).as(what + " binds a role the chart renders: " + ref.getName()).isTrue();
    assertThat(subjects).as(what + " subjects").isNotEmpty();
    for (Subject s : subjects) {
      assertThat(s.getKind()).as(what + " subject kind").isEqualTo("ServiceAccount");
      assertThat(s.getName()).as(what + " subject name").isNotBlank();
      assertThat(s.getNamespace()).as(what + " subject namespace").isNotBlank();
    }
  }

  private static void crd(CustomResourceDefinition crd, String what) {
    var spec = crd.getSpec();
    assertThat(spec.getGroup()).as(what + " group").isNotBlank();
    assertThat(spec.getNames().getKind()).as(what + " kind").isNotBlank();
    assertThat(spec.getNames().getPlural()).as(what + " plural").isNotBlank();
    assertThat(crd.getMetadata().getName()).as(what + " is named <plural>.<group>")
        .isEqualTo(spec.getNames().getPlural() + "." + spec.getGroup());
    assertThat(spec.getScope()).as(what + " scope").isIn("Namespaced", "Cluster");
    assertThat(spec.getVersions()).as(what + " versions").isNotEmpty();
    assertThat(spec.getVersions().stream().filter(v -> Boolean.TRUE.equals(v.getStorage()))).as(what + " one storage version")
        .hasSize(1);
    spec.getVersions().forEach(v -> assertThat(v.getSchema().getOpenAPIV3Schema()).as(what + " schema of " + v.getName())
        .isNotNull());
  }

  /**
   * Walks the typed object graph: any field Fabric8's class did not know (a typo, a field of
   * another API version) lands in some object's additionalProperties.
   */
  static void assertNoUnknownFields(Object root, String what) {
    List<String> unknown = new ArrayList<>();
    walk(root, "", unknown, new IdentityHashMap<>());
    assertThat(unknown).as(what + ": fields unknown to " + root.getClass().getSimpleName()).isEmpty();
  }

  private static void walk(Object o, String path, List<String> unknown, Map<Object, Boolean> seen) {
    if (o == null || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> walk(v, path + "." + k, unknown, seen));
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : o.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
          || !(getter.getName().startsWith("get") || getter.getName().startsWith("is"))
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(o);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + " " + extra.keySet());
        }
      } else if (!Set.of("getClass").contains(getter.getName())) {
        walk(value, path + "." + property(getter.getName()), unknown, seen);
      }
    }
  }

  private static String property(String getter) {
    String p = getter.startsWith("is") ? getter.substring(2) : getter.substring(3);
    return p.isEmpty() ? p : Character.toLowerCase(p.charAt(0)) + p.substring(1);
  }
}
