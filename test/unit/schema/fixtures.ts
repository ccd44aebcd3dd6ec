/** Realistic manifests, as CKA material writes them, that must pass structural checks untouched. */

export function bigPod(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-0',
      namespace: 'prod',
      generateName: 'web-',
      uid: '2b6c5c1e-1111-2222-3333-444455556666',
      resourceVersion: '42',
      generation: 1,
      creationTimestamp: '2024-01-02T15:04:05Z',
      deletionTimestamp: null,
      deletionGracePeriodSeconds: 30,
      labels: { app: 'web', tier: 'frontend' },
      annotations: { 'kubernetes.io/description': 'x' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'u-1', controller: true, blockOwnerDeletion: true }],
      finalizers: ['example.com/cleanup'],
      managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2024-01-02T15:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }],
    },
    spec: {
      initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'echo hi'] }],
      containers: [
        {
          name: 'nginx',
          image: 'nginx:1.25',
          imagePullPolicy: 'IfNotPresent',
          command: ['nginx'],
          args: ['-g', 'daemon off;'],
          workingDir: '/',
          ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }, { containerPort: 443, hostPort: 8443, hostIP: '0.0.0.0' }],
          env: [
            { name: 'A', value: '1' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k', optional: true } } },
            { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
            { name: 'MEM', valueFrom: { resourceFieldRef: { containerName: 'nginx', resource: 'limits.memory', divisor: '1Mi' } } },
          ],
          envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'sec', optional: false } }],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.25, memory: '64Mi' } },
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true, subPath: 'x' }],
          livenessProbe: { httpGet: { path: '/healthz', port: 80, scheme: 'HTTP', httpHeaders: [{ name: 'X', value: 'y' }] }, initialDelaySeconds: 3, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 },
          readinessProbe: { tcpSocket: { port: 'http' } },
          startupProbe: { exec: { command: ['cat', '/tmp/ok'] } },
          lifecycle: { postStart: { exec: { command: ['true'] } }, preStop: { httpGet: { port: 80, path: '/stop' } } },
          securityContext: { runAsUser: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, privileged: false },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          stdin: false,
          tty: false,
        },
      ],
      volumes: [
        { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
        { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a.txt', mode: 420 }], defaultMode: 420 } },
        { name: 'sec', secret: { secretName: 'sec', optional: true } },
        { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
        { name: 'down', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'proj', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }, { configMap: { name: 'cfg' } }] } },
        { name: 'pvc', persistentVolumeClaim: { claimName: 'claim', readOnly: false } },
      ],
      nodeSelector: { disktype: 'ssd' },
      nodeName: 'node01',
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'x', operator: 'Exists' }] } }],
        },
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }] },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, topologyKey: 'kubernetes.io/hostname' } }] },
      },
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }, { key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 300 }],
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
      hostNetwork: false,
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      automountServiceAccountToken: true,
      terminationGracePeriodSeconds: 30,
      activeDeadlineSeconds: 600,
      priority: 0,
      priorityClassName: 'high',
      hostname: 'web-0',
      subdomain: 'web',
      securityContext: { fsGroup: 2000, runAsUser: 1000, supplementalGroups: [3000], sysctls: [{ name: 'net.core.somaxconn', value: '1024' }], seccompProfile: { type: 'RuntimeDefault' } },
      readinessGates: [{ conditionType: 'example.com/ready' }],
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      imagePullSecrets: [{ name: 'regcred' }],
      hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local'] }],
      dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc.local'], options: [{ name: 'ndots', value: '2' }] },
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-01-02T15:04:05Z' }],
      hostIP: '192.168.56.21',
      hostIPs: [{ ip: '192.168.56.21' }],
      podIP: '10.244.1.5',
      podIPs: [{ ip: '10.244.1.5' }],
      startTime: '2024-01-02T15:04:05Z',
      qosClass: 'Burstable',
      reason: '',
      message: '',
      nominatedNodeName: '',
      initContainerStatuses: [{ name: 'init', ready: true, restartCount: 0, image: 'busybox', imageID: 'sha256:1', state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2024-01-02T15:04:05Z', finishedAt: '2024-01-02T15:04:06Z', containerID: 'containerd://1' } } }],
      containerStatuses: [{ name: 'nginx', ready: true, started: true, restartCount: 2, image: 'nginx:1.25', imageID: 'sha256:2', containerID: 'containerd://2', state: { running: { startedAt: '2024-01-02T15:04:07Z' } }, lastState: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } } }],
    },
  };
}

export function deployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', labels: { app: 'nginx' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      minReadySeconds: 0,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
      },
    },
    status: { replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, observedGeneration: 1, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok', lastUpdateTime: '2024-01-02T15:04:05Z', lastTransitionTime: '2024-01-02T15:04:05Z' }] },
  };
}

export function node(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node01', labels: { 'kubernetes.io/hostname': 'node01' } },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: '2024-01-02T15:04:05Z' }], unschedulable: false, providerID: 'kubelab://node01' },
    status: {
      capacity: { cpu: '2', memory: '4028172Ki', pods: '110' },
      allocatable: { cpu: '2', memory: '3925772Ki', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-02T15:04:05Z', lastTransitionTime: '2024-01-02T15:04:05Z', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      addresses: [{ type: 'InternalIP', address: '192.168.56.21' }, { type: 'Hostname', address: 'node01' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'containerd://1.6.20', kubeletVersion: 'v1.32.0', kubeProxyVersion: 'v1.32.0', operatingSystem: 'linux', architecture: 'amd64' },
      images: [{ names: ['nginx:1.25'], sizeBytes: 12345678 }],
    },
  };
}

export function service(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      type: 'NodePort',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' }, { name: 'alt', port: 8080, targetPort: 8080 }],
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      sessionAffinity: 'None',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    },
    status: { loadBalancer: {} },
  };
}
