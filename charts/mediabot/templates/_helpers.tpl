{{/*
Shared helpers. Every per-workload helper takes a dict: (dict "root" $ "name" $name "svc" $svc).
*/}}

{{- define "mediabot.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one workload's objects: <fullname>-<service>. */}}
{{- define "mediabot.workloadName" -}}
{{- printf "%s-%s" (include "mediabot.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mediabot.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "mediabot.labels" -}}
{{ include "mediabot.selectorLabels" . }}
app.kubernetes.io/part-of: mediabot
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "mediabot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mediabot.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "mediabot.image" -}}
{{- $registry := .root.Values.image.registry -}}
{{- $tag := .svc.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $registry) .svc.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .svc.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* GATEWAY_MODE of a workload, if it sets one (only gateway-bot does). */}}
{{- define "mediabot.gatewayMode" -}}
{{- $env := merge (dict) (.svc.env | default dict) .root.Values.sharedEnv -}}
{{- get $env "GATEWAY_MODE" -}}
{{- end -}}

{{/*
The workload's ConfigMap data as YAML: sharedEnv, then its own env, then what the chart derives
(HTTP_PORT, SHUTDOWN_TIMEOUT_MS, WEBHOOK_PUBLIC_URL from the ingress host). Empty values are
left out.
*/}}
{{- define "mediabot.envData" -}}
{{- $env := dict -}}
{{- range $key, $value := .root.Values.sharedEnv -}}
{{- $_ := set $env $key $value -}}
{{- end -}}
{{- range $key, $value := (.svc.env | default dict) -}}
{{- $_ := set $env $key $value -}}
{{- end -}}
{{- $_ := set $env "HTTP_PORT" (toString .svc.port) -}}
{{- $_ := set $env "SHUTDOWN_TIMEOUT_MS" (toString (mul .svc.shutdownTimeoutSeconds 1000)) -}}
{{- $ingress := .svc.ingress | default dict -}}
{{- if and (eq (get $env "GATEWAY_MODE") "webhook") (not (get $env "WEBHOOK_PUBLIC_URL")) $ingress.enabled $ingress.host -}}
{{- $_ := set $env "WEBHOOK_PUBLIC_URL" (printf "https://%s" $ingress.host) -}}
{{- end -}}
{{- range $key := keys $env | sortAlpha -}}
{{- $value := get $env $key -}}
{{- if ne (toString $value) "" }}
{{ $key }}: {{ toString $value | quote }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* One env entry read from a Secret: value is a key name or {key, secret, optional}. */}}
{{- define "mediabot.secretEnvVar" -}}
{{- $ref := .value -}}
{{- if kindIs "string" $ref -}}
{{- $ref = dict "key" $ref -}}
{{- end }}
- name: {{ .envName }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.secret | default .root.Values.existingSecret }}
      key: {{ $ref.key }}
      {{- if $ref.optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* Refuses value combinations that would deploy something broken, with a message that says what to change. */}}
{{- define "mediabot.validate" -}}
{{- $name := .name -}}
{{- $svc := .svc -}}
{{- $mode := include "mediabot.gatewayMode" . -}}
{{- if eq $mode "polling" -}}
{{- if ne (int $svc.replicas) 1 -}}
{{- fail (printf "services.%s: GATEWAY_MODE=polling allows exactly one replica (Telegram serves getUpdates to one client at a time), but replicas is %v. Set services.%s.replicas=1, or use GATEWAY_MODE=webhook to run several." $name $svc.replicas $name) -}}
{{- end -}}
{{- if $svc.autoscaling.enabled -}}
{{- fail (printf "services.%s: GATEWAY_MODE=polling allows exactly one replica; turn services.%s.autoscaling.enabled off." $name $name) -}}
{{- end -}}
{{- end -}}
{{- if eq $mode "webhook" -}}
{{- if not (hasKey (merge (dict) ($svc.secretEnv | default dict) .root.Values.sharedSecretEnv) "WEBHOOK_SECRET") -}}
{{- fail (printf "services.%s: GATEWAY_MODE=webhook needs WEBHOOK_SECRET; add it to services.%s.secretEnv (a key of the Secret)." $name $name) -}}
{{- end -}}
{{- end -}}
{{- if and (ne $mode "") (ne $mode "polling") (ne $mode "webhook") -}}
{{- fail (printf "services.%s: GATEWAY_MODE must be polling or webhook, not %q." $name $mode) -}}
{{- end -}}
{{- $ingress := $svc.ingress | default dict -}}
{{- if and $ingress.enabled (not $ingress.host) -}}
{{- fail (printf "services.%s.ingress.enabled needs services.%s.ingress.host (the public host name)." $name $name) -}}
{{- end -}}
{{- if $ingress.enabled -}}
{{- $portNames := list "http" -}}
{{- range $svc.extraPorts }}{{ $portNames = append $portNames .name }}{{ end -}}
{{- if not (has $ingress.servicePort $portNames) -}}
{{- fail (printf "services.%s.ingress.servicePort %q is not one of its ports (%s)." $name $ingress.servicePort (join ", " $portNames)) -}}
{{- end -}}
{{- end -}}
{{- if and $svc.autoscaling.enabled (not $svc.autoscaling.queues) -}}
{{- fail (printf "services.%s.autoscaling.enabled needs at least one entry in services.%s.autoscaling.queues." $name $name) -}}
{{- end -}}
{{- if and $svc.autoscaling.enabled (gt (int $svc.autoscaling.minReplicas) (int $svc.autoscaling.maxReplicas)) -}}
{{- fail (printf "services.%s.autoscaling: minReplicas (%v) is above maxReplicas (%v)." $name $svc.autoscaling.minReplicas $svc.autoscaling.maxReplicas) -}}
{{- end -}}
{{- end -}}
