{{/* The chart name, or nameOverride. */}}
{{- define "shardlite-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Prefix of every object's name: fullnameOverride, else release name + chart name (once). */}}
{{- define "shardlite-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "shardlite-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object of the chart. */}}
{{- define "shardlite-operator.labels" -}}
helm.sh/chart: {{ include "shardlite-operator.chart" . }}
{{ include "shardlite-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shardlite
{{- end }}

{{/* Labels of objects that are not the operator's own (the CRD, the optional ShardCluster). */}}
{{- define "shardlite-operator.commonLabels" -}}
helm.sh/chart: {{ include "shardlite-operator.chart" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shardlite
{{- end }}

{{/* The stable labels that select the operator pod. */}}
{{- define "shardlite-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shardlite-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "shardlite-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "shardlite-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "shardlite-operator.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if hasPrefix "@" $tag }}
{{- printf "%s%s" .Values.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* The namespaces the operator watches: watchNamespaces, else the release namespace. */}}
{{- define "shardlite-operator.watchedNamespaces" -}}
{{- if .Values.watchNamespaces }}
{{- join "," .Values.watchNamespaces }}
{{- else }}
{{- .Release.Namespace }}
{{- end }}
{{- end }}

{{/*
The rules the operator needs in each watched namespace (or cluster-wide): exactly those of the
operator's generated role (ShardClusterReconciler's @RBACRule list plus its primary resource).
Leader election's Lease rule lives in its own Role in the release namespace.
*/}}
{{- define "shardlite-operator.rules" -}}
- apiGroups: ["shardlite.io"]
  resources: ["shardclusters", "shardclusters/status", "shardclusters/finalizers"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["statefulsets", "deployments"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["services", "configmaps"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# Pods: read, and delete one at a time to roll an OnDelete StatefulSet.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- if .Values.serviceMonitor.enabled }}
# ShardClusters with spec.metrics.serviceMonitor get a Prometheus Operator ServiceMonitor.
- apiGroups: ["monitoring.coreos.com"]
  resources: ["servicemonitors"]
  verbs: ["get", "create", "update", "patch", "delete"]
{{- end }}
{{- end }}
