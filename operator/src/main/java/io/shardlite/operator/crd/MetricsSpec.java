package io.shardlite.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Prometheus scraping of the pods. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricsSpec {
  @JsonPropertyDescription("Expose /metrics on every pod (prometheus.io annotations). Default true.")
  private Boolean enabled;

  @JsonPropertyDescription("Also create a Prometheus Operator ServiceMonitor (needs its CRD). Default false.")
  private Boolean serviceMonitor;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public Boolean getServiceMonitor() {
    return serviceMonitor;
  }

  public void setServiceMonitor(Boolean serviceMonitor) {
    this.serviceMonitor = serviceMonitor;
  }
}
