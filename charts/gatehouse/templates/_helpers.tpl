{{/* Names, labels and the command line shared by the templates. */}}

{{- define "gatehouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-gatehouse, or the release name alone when it already contains the chart name. */}}
{{- define "gatehouse.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "gatehouse.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "gatehouse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.controller.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gatehouse
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end -}}
{{- end -}}

{{- define "gatehouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gatehouse.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.image" -}}
{{- $i := .Values.controller.image -}}
{{- $repo := ternary $i.image (printf "%s/%s" $i.registry $i.image) (empty $i.registry) -}}
{{- if $i.digest -}}
{{- printf "%s@%s" $repo $i.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo ($i.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* The namespace of --watch-namespace, or nothing when the watch covers the cluster. */}}
{{- define "gatehouse.watchNamespace" -}}
{{- if .Values.controller.scope.enabled -}}
{{- default .Release.Namespace .Values.controller.scope.namespace -}}
{{- end -}}
{{- end -}}

{{/* The leader-election Lease is named after the IngressClass handled (see deploy/rbac/role.yaml). */}}
{{- define "gatehouse.leaseName" -}}
{{- .Values.controller.ingressClassResource.name -}}
{{- end -}}

{{/*
The command line (README.md § Command line), one value per flag, then controller.extraArgs (which
wins). Rendered as a sorted list of --flag=value so the pod spec is stable across renders.
*/}}
{{- define "gatehouse.args" -}}
{{- $c := .Values.controller -}}
{{- $args := dict -}}
{{- $_ := set $args "ingress-class" $c.ingressClassResource.name -}}
{{- $_ := set $args "controller-name" $c.ingressClassResource.controllerValue -}}
{{- with (include "gatehouse.watchNamespace" .) }}{{ $_ := set $args "watch-namespace" . }}{{ end -}}
{{- $_ := set $args "http-port" $c.containerPort.http -}}
{{- $_ := set $args "https-port" $c.containerPort.https -}}
{{- if $c.httpsRedirectPort -}}
{{- $_ := set $args "https-redirect-port" $c.httpsRedirectPort -}}
{{- else if and $c.hostPort.enabled (not $c.hostNetwork) -}}
{{- $_ := set $args "https-redirect-port" $c.hostPort.ports.https -}}
{{- else if and $c.service.enabled (not $c.hostNetwork) -}}
{{- $_ := set $args "https-redirect-port" $c.service.ports.https -}}
{{- end -}}
{{- $_ := set $args "admin-port" $c.metrics.port -}}
{{- with $c.bindAddress }}{{ $_ := set $args "bind-address" . }}{{ end -}}
{{- with $c.adminBindAddress }}{{ $_ := set $args "admin-bind-address" . }}{{ end -}}
{{- with $c.workers }}{{ $_ := set $args "workers" . }}{{ end -}}
{{- if $c.publishAddress -}}
{{- $_ := set $args "publish-address" $c.publishAddress -}}
{{- else if and $c.publishService.enabled $c.publishService.pathOverride -}}
{{- $_ := set $args "publish-service" $c.publishService.pathOverride -}}
{{- else if and $c.publishService.enabled $c.service.enabled -}}
{{- $_ := set $args "publish-service" (printf "%s/%s" .Release.Namespace (include "gatehouse.fullname" .)) -}}
{{- end -}}
{{- with $c.defaultSSLCertificate }}{{ $_ := set $args "default-ssl-certificate" . }}{{ end -}}
{{- with $c.defaultBackendService }}{{ $_ := set $args "default-backend-service" . }}{{ end -}}
{{- with $c.globalAllowedResponseHeaders }}{{ $_ := set $args "global-allowed-response-headers" (join "," .) }}{{ end -}}
{{- with $c.trustedProxies }}{{ $_ := set $args "trusted-proxies" (join "," .) }}{{ end -}}
{{- if $c.proxyProtocol }}{{ $_ := set $args "proxy-protocol" true }}{{ end -}}
{{- if $c.enableExternalNameServices }}{{ $_ := set $args "enable-external-name-services" true }}{{ end -}}
{{- if $c.enableSslPassthrough }}{{ $_ := set $args "enable-ssl-passthrough" true }}{{ end -}}
{{- if $c.allowSnippetAnnotations }}{{ $_ := set $args "allow-snippet-annotations" true }}{{ end -}}
{{- $_ := set $args "log-level" $c.logLevel -}}
{{- $_ := set $args "log-format" $c.logFormat -}}
{{- if $c.accessLog.enabled }}{{ $_ := set $args "access-log" true }}{{ $_ := set $args "access-log-sample" $c.accessLog.sampleRate }}{{ end -}}
{{- with $c.clientHeaderTimeout }}{{ $_ := set $args "client-header-timeout" . }}{{ end -}}
{{- with $c.keepAliveTimeout }}{{ $_ := set $args "keepalive-timeout" . }}{{ end -}}
{{- with $c.clientBodyTimeout }}{{ $_ := set $args "client-body-timeout" . }}{{ end -}}
{{- /* Not `with`: 0 turns the rate off and must render. */ -}}
{{- if ne (toString $c.clientBodyMinRate) "" }}{{ $_ := set $args "client-body-min-rate" (int64 $c.clientBodyMinRate | toString) }}{{ end -}}
{{- with $c.clientBodyMinRateGrace }}{{ $_ := set $args "client-body-min-rate-grace" . }}{{ end -}}
{{- range $flag, $value := $c.extraArgs }}{{ $_ := set $args $flag $value }}{{ end -}}
{{- range $flag := keys $args | sortAlpha }}
{{- $value := index $args $flag }}
{{- if kindIs "bool" $value }}
{{- if $value }}
- {{ printf "--%s" $flag | quote }}
{{- end }}
{{- else }}
- {{ printf "--%s=%v" $flag $value | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* A probe from values with the admin port filled in. */}}
{{- define "gatehouse.probe" -}}
{{- $probe := deepCopy .probe -}}
{{- if and (hasKey $probe "httpGet") (not (hasKey $probe.httpGet "port")) -}}
{{- $_ := set $probe.httpGet "port" .port -}}
{{- end -}}
{{- toYaml $probe -}}
{{- end -}}
