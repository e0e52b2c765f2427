import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { StatefulSet as StatefulSetModel } from 'kubernetes-models/apps/v1/StatefulSet'
import { Service } from 'kubernetes-models/v1/Service'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../relay/config/load.ts'
import {
  envOf,
  parseDockerfile,
  ROOT,
  readText,
  readYaml,
  readYamlDocuments,
  stageChain,
} from './deploy-files.ts'

// No cluster and no kubeconform here: the manifests are validated against the
// Kubernetes API's own schemas (kubernetes-models, generated from the OpenAPI spec),
// and held to what the relay needs.
const kustomization = readYaml('relay/deploy/k8s/kustomization.yaml')
const documents = (kustomization.resources as string[]).flatMap((file) =>
  readYamlDocuments(`relay/deploy/k8s/${file}`),
)
const byKind = (kind: string) => documents.filter((d) => d.kind === kind)
const [statefulSet] = byKind('StatefulSet')
const services = byKind('Service')
const pod = statefulSet.spec.template.spec
const relay = pod.containers.find((c: any) => c.name === 'relay')
const dockerStages = stageChain(parseDockerfile(readText('Dockerfile')).stages, 'relay')

/** The container's environment as the kubelet gives it: `$(POD_NAME)` expanded. */
function containerEnv(podName: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const { name, value } of relay.env)
    if (value !== undefined) env[name] = String(value).replace('$(POD_NAME)', podName)
  return env
}

describe('Kubernetes manifests', () => {
  it('are a StatefulSet and two Services, each with apiVersion, kind and a name', () => {
    for (const file of kustomization.resources)
      expect(existsSync(join(ROOT, 'relay/deploy/k8s', file))).toBe(true)
    expect(documents.map((d) => `${d.apiVersion} ${d.kind}`).sort()).toEqual([
      'apps/v1 StatefulSet',
      'v1 Service',
      'v1 Service',
    ])
    for (const doc of documents) expect(doc.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
  })

  it('validate against the Kubernetes API schemas', () => {
    const models: Record<string, new (data: any) => { validate(): void }> = {
      'apps/v1 StatefulSet': StatefulSetModel,
      'v1 Service': Service,
    }
    for (const doc of documents) {
      const Model = models[`${doc.apiVersion} ${doc.kind}`]
      expect(Model, `${doc.apiVersion} ${doc.kind}`).toBeDefined()
      expect(() => new (Model as any)(doc).validate(), doc.metadata.name).not.toThrow()
    }
    // The validator is not a no-op: a replica count written as text is refused.
    const broken = structuredClone(statefulSet)
    broken.spec.replicas = 'two'
    expect(() => new StatefulSetModel(broken).validate()).toThrow(/replicas must be integer/)
  })

  it('select the pods they describe', () => {
    const labels = statefulSet.spec.template.metadata.labels
    expect(labels).toMatchObject(statefulSet.spec.selector.matchLabels)
    for (const service of services) expect(labels).toMatchObject(service.spec.selector)
    // The StatefulSet's governing Service is headless and publishes pods before they are ready.
    const peers = services.find((s) => s.metadata.name === statefulSet.spec.serviceName)
    expect(peers.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true })
  })

  it('give each relay its own data volume at the data directory', () => {
    const [claim] = statefulSet.spec.volumeClaimTemplates
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce'])
    expect(claim.spec.resources.requests.storage).toMatch(/^\d+[GM]i$/)
    const mount = relay.volumeMounts.find((m: any) => m.name === claim.metadata.name)
    expect(mount.mountPath).toBe(containerEnv('mcpp-relay-0').MCPP_DATA_DIR)
    // Every volume mounted is declared, as a pod volume or a claim template.
    const declared = [...pod.volumes.map((v: any) => v.name), claim.metadata.name]
    for (const container of [...pod.initContainers, ...pod.containers])
      for (const m of container.volumeMounts)
        expect(declared, `${container.name} ${m.name}`).toContain(m.name)
  })

  it('probe readiness at /readyz and liveness at /healthz on the HTTP port', () => {
    expect(relay.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' })
    expect(relay.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' })
    expect(relay.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' })
    const ports = Object.fromEntries(relay.ports.map((p: any) => [p.name, p.containerPort]))
    expect(ports).toEqual({ http: 8000, libp2p: 8001 })
    for (const service of services)
      for (const port of service.spec.ports) expect(ports[port.targetPort], port.name).toBe(port.port)
  })

  it('run every container unprivileged, with requests and limits', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 1000 })
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0)
    for (const container of [...pod.initContainers, ...pod.containers]) {
      expect(container.securityContext, container.name).toMatchObject({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      })
      for (const kind of ['requests', 'limits'])
        expect(Object.keys(container.resources[kind]).sort(), `${container.name} ${kind}`).toEqual([
          'cpu',
          'memory',
        ])
      expect(container.image).toBe(kustomization.images[0].name)
    }
  })

  it('configure the relay with settings it accepts, announcing the name its peers dial', () => {
    const env = { ...envOf(dockerStages), ...containerEnv('mcpp-relay-1') }
    const loaded = loadConfig({ argv: [], env, readFile: readText })
    expect(loaded, JSON.stringify(loaded)).toMatchObject({
      ok: true,
      config: {
        host: '0.0.0.0',
        auth: { publicMetrics: true },
        relays: { peersFile: '/data/peers.json' },
        p2p: { announce: ['/dns4/mcpp-relay-1.mcpp-relay-peers/tcp/8001/ws'] },
        allowedHosts: ['mcpp-relay', 'mcpp-relay-1.mcpp-relay-peers'],
      },
    })
  })

  it('let the pods read the network Secret, which is optional', () => {
    const keys = pod.volumes.find((v: any) => v.secret)
    expect(keys.secret).toMatchObject({ secretName: 'mcpp-relay-network', optional: true })
    // 0440: the files are root's; the pod reads them through its group (fsGroup).
    expect(keys.secret.defaultMode).toBe(0o440)
  })
})
