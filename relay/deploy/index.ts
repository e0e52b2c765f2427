/**
 * What deploys the relay: the one-time step that gives a network of relays their
 * identities (network-keys.ts), and beside it, as data, the Kubernetes manifests
 * (k8s/), the Prometheus scrape config and alert rules (prometheus/) and Grafana's
 * provisioning and dashboard (grafana/) that the top-level Dockerfile and compose.yaml
 * use. tests/deploy-*.test.ts check them against a real relay.
 */
