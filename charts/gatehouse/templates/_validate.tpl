{{/*
Rules across several values, which values.schema.json cannot state with a readable message. Each
failure names the values to change.
*/}}
{{- define "gatehouse.validate" -}}
{{- $c := .Values.controller -}}
{{- if and $c.autoscaling.enabled (ne $c.kind "Deployment") -}}
{{- fail "controller.autoscaling.enabled needs controller.kind=Deployment: a DaemonSet runs one pod per node and cannot be scaled" -}}
{{- end -}}
{{- if and $c.autoscaling.enabled (gt (int $c.autoscaling.minReplicas) (int $c.autoscaling.maxReplicas)) -}}
{{- fail (printf "controller.autoscaling.minReplicas (%v) is above controller.autoscaling.maxReplicas (%v)" $c.autoscaling.minReplicas $c.autoscaling.maxReplicas) -}}
{{- end -}}
{{- if and $c.autoscaling.enabled (not $c.autoscaling.targetCPUUtilizationPercentage) (not $c.autoscaling.targetMemoryUtilizationPercentage) -}}
{{- fail "controller.autoscaling.enabled needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" -}}
{{- end -}}
{{- if and (ne (toString $c.minAvailable) "") (ne (toString $c.maxUnavailable) "") -}}
{{- fail "controller.minAvailable and controller.maxUnavailable exclude each other: set one to \"\"" -}}
{{- end -}}
{{- if and $c.metrics.serviceMonitor.enabled (not $c.metrics.enabled) -}}
{{- fail "controller.metrics.serviceMonitor.enabled needs controller.metrics.enabled=true (it scrapes the metrics Service)" -}}
{{- end -}}
{{- if and (not $c.service.enableHttp) (not $c.service.enableHttps) $c.service.enabled -}}
{{- fail "controller.service: enableHttp and enableHttps are both false; disable the Service with controller.service.enabled=false instead" -}}
{{- end -}}
{{- if and $c.service.externalTrafficPolicy (eq $c.service.type "ClusterIP") -}}
{{- fail "controller.service.externalTrafficPolicy applies to type LoadBalancer or NodePort, not ClusterIP" -}}
{{- end -}}
{{- if and $c.proxyProtocol (not $c.trustedProxies) -}}
{{- fail "controller.proxyProtocol needs controller.trustedProxies: only the load balancers listed there may send a PROXY header" -}}
{{- end -}}
{{- $ports := list (int $c.containerPort.http) (int $c.containerPort.https) (int $c.metrics.port) -}}
{{- if ne (len (uniq $ports)) 3 -}}
{{- fail (printf "controller.containerPort.http (%v), controller.containerPort.https (%v) and controller.metrics.port (%v) must differ" $c.containerPort.http $c.containerPort.https $c.metrics.port) -}}
{{- end -}}
{{- end -}}
