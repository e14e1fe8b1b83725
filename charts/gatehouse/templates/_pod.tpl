{{/* The controller pod, shared by the Deployment and the DaemonSet. */}}
{{- define "gatehouse.podTemplate" -}}
{{- $c := .Values.controller -}}
metadata:
  labels:
    {{- include "gatehouse.labels" . | nindent 4 }}
    {{- with $c.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $c.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "gatehouse.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- if $c.hostNetwork }}
  hostNetwork: true
  {{- end }}
  dnsPolicy: {{ $c.dnsPolicy }}
  terminationGracePeriodSeconds: {{ $c.terminationGracePeriodSeconds }}
  securityContext:
    {{- toYaml $c.podSecurityContext | nindent 4 }}
  {{- with $c.extraInitContainers }}
  initContainers:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: controller
      image: {{ include "gatehouse.image" . }}
      imagePullPolicy: {{ $c.image.pullPolicy }}
      args:
        {{- include "gatehouse.args" . | trim | nindent 8 }}
      env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        {{- if not (or $c.workers (hasKey $c.extraArgs "workers")) }}
        {{- $cpu := "" }}
        {{- if and $c.resources.limits $c.resources.limits.cpu }}{{ $cpu = "limits.cpu" }}
        {{- else if and $c.resources.requests $c.resources.requests.cpu }}{{ $cpu = "requests.cpu" }}{{ end }}
        {{- if $cpu }}
        # One data-plane worker per CPU the pod may use, rounded up (GATEHOUSE_WORKERS = --workers).
        - name: GATEHOUSE_WORKERS
          valueFrom:
            resourceFieldRef:
              containerName: controller
              resource: {{ $cpu }}
              divisor: "1"
        {{- end }}
        {{- end }}
        {{- with $c.extraEnvs }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - name: http
          containerPort: {{ $c.containerPort.http }}
          protocol: TCP
          {{- if $c.hostPort.enabled }}
          hostPort: {{ $c.hostPort.ports.http }}
          {{- end }}
        - name: https
          containerPort: {{ $c.containerPort.https }}
          protocol: TCP
          {{- if $c.hostPort.enabled }}
          hostPort: {{ $c.hostPort.ports.https }}
          {{- end }}
        - name: {{ $c.metrics.portName }}
          containerPort: {{ $c.metrics.port }}
          protocol: TCP
      livenessProbe:
        {{- include "gatehouse.probe" (dict "probe" $c.livenessProbe "port" $c.metrics.portName) | nindent 8 }}
      readinessProbe:
        {{- include "gatehouse.probe" (dict "probe" $c.readinessProbe "port" $c.metrics.portName) | nindent 8 }}
      {{- with $c.startupProbe }}
      startupProbe:
        {{- include "gatehouse.probe" (dict "probe" . "port" $c.metrics.portName) | nindent 8 }}
      {{- end }}
      {{- with $c.lifecycle }}
      lifecycle:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      resources:
        {{- toYaml $c.resources | nindent 8 }}
      securityContext:
        {{- toYaml $c.containerSecurityContext | nindent 8 }}
      volumeMounts:
        # The root filesystem is read-only: /tmp is the only writable place.
        - name: tmp
          mountPath: /tmp
        {{- with $c.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    {{- with $c.extraContainers }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
    {{- with $c.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $c.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- range . }}
    - {{ toYaml (ternary . (merge (dict "labelSelector" (dict "matchLabels" (include "gatehouse.selectorLabels" $ | fromYaml))) .) (hasKey . "labelSelector")) | nindent 6 | trim }}
    {{- end }}
  {{- end }}
{{- end -}}
