#!/usr/bin/env bash
# Prints prometheus/alerts.yml and prometheus/recording.yml as one PrometheusRule, for clusters
# running the Prometheus Operator:
#   k8s/prometheus-rule.sh | kubectl -n mediabot apply -f -
# Add the labels your Prometheus selects rules by with: RULE_LABELS='release: kube-prometheus-stack'
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cat <<HEADER
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: mediabot
  labels:
    app.kubernetes.io/part-of: mediabot
${RULE_LABELS:+    ${RULE_LABELS}}
spec:
  groups:
HEADER
for file in "$repo/prometheus/alerts.yml" "$repo/prometheus/recording.yml"; do
  # The group list of each file, without comments, indented under spec.groups.
  sed -n '/^groups:/,$p' "$file" | tail -n +2 | grep -v '^ *#' | sed 's/^/  /'
done
