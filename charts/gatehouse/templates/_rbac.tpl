{{/*
RBAC comes from files/rbac/, a copy of deploy/rbac/ (the rules cluster mode is tested with), so the
chart never grants more than that. Kinds that are cluster-scoped keep a ClusterRole even when the
watch is limited to one namespace.
*/}}
{{- define "gatehouse.rbac.clusterScopedResources" -}}
{{- list "ingressclasses" | toJson -}}
{{- end -}}

{{/* Rules of files/rbac/clusterrole.yaml; scope "cluster" or "namespaced" picks by resource scope. */}}
{{- define "gatehouse.rbac.watchRules" -}}
{{- $clusterScoped := include "gatehouse.rbac.clusterScopedResources" .root | fromJsonArray -}}
{{- $rules := list -}}
{{- range (.root.Files.Get "files/rbac/clusterrole.yaml" | fromYaml).rules -}}
{{- $cluster := 0 -}}
{{- range .resources }}{{ if has . $clusterScoped }}{{ $cluster = add1 $cluster }}{{ end }}{{ end -}}
{{- if and (gt $cluster 0) (lt $cluster (len .resources)) -}}
{{- fail (printf "files/rbac/clusterrole.yaml: a rule mixes cluster-scoped and namespaced resources: %v" .resources) -}}
{{- end -}}
{{- if eq (gt $cluster 0) (eq $.scope "cluster") -}}
{{- $rules = append $rules . -}}
{{- end -}}
{{- end -}}
{{- toYaml $rules -}}
{{- end -}}

{{/* Rules of files/rbac/role.yaml with the Lease's resourceNames set to this release's lease. */}}
{{- define "gatehouse.rbac.leaseRules" -}}
{{- $rules := list -}}
{{- range (.Files.Get "files/rbac/role.yaml" | fromYaml).rules -}}
{{- $rule := deepCopy . -}}
{{- if hasKey $rule "resourceNames" -}}
{{- $_ := set $rule "resourceNames" (list (include "gatehouse.leaseName" $)) -}}
{{- end -}}
{{- $rules = append $rules $rule -}}
{{- end -}}
{{- toYaml $rules -}}
{{- end -}}
