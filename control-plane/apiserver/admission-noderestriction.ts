/**
 * The NodeRestriction admission plugin (upstream plugin/pkg/admission/noderestriction), for the resources
 * kubelab serves: a node (system:node:<name> in system:nodes) may
 * - create and modify only its own Node, not set or change labels under kubernetes.io / k8s.io outside the
 *   kubelet's own set (node-role.kubernetes.io/*, node-restriction.kubernetes.io/* ...), not change its taints
 *   after registration, not set a configSource;
 * - create only mirror pods bound to itself, delete, evict and update the status of only pods bound to itself,
 *   and not change a pod's labels through its status;
 * - create and modify only its own Lease in kube-node-lease;
 * - request ServiceAccount tokens only bound to a pod (with its uid) that runs on itself.
 * Everyone else is not this plugin's business.
 */
import { errors } from '../../api/errors.js';
import { deepEqual, objectsOf, valueAt } from '../../api/values.js';
import { podConfigMapNames, podSecretNames } from '../../api/pod-refs.js';
import type { Node, Pod, Relaxed, TokenRequest } from '../../api/types/index.js';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type AdmissionState } from './admission.js';
import { nodeIdentity } from './node-authorizer.js';
import { MIRROR_POD_ANNOTATION } from './node-graph.js';
import type { ApiObject } from './object-meta.js';
import type { KubeError } from '../../api/errors.js';

/*
 * The objects as the kind of the branch that reads them: the server decodes a request's body as the kind
 * its resource names and checks its structure before admission, and its caches hold stored objects of
 * their kind (upstream's plugin type-asserts a.GetObject() to *api.Pod the same way). Fields upstream
 * reads that kubelab's schema does not carry (a pod's resourceClaimStatuses, a node's configSource, a
 * projected clusterTrustBundle) are read with `valueAt`: absent until the schema grows them.
 */
const asPod = (o: ApiObject | undefined): Relaxed<Pod> => (o ?? {}) as Relaxed<Pod>;
const asNode = (o: ApiObject | undefined): Relaxed<Node> => (o ?? {}) as Relaxed<Node>;

export const NODE_RESTRICTION = 'NodeRestriction';

export const nodeRestriction = {
  name: NODE_RESTRICTION,
  operations: ['CREATE', 'UPDATE', 'DELETE'],
  admit(a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
    const id = nodeIdentity(a.user);
    if (!id.isNode) return undefined;
    if (id.name === '') return admissionForbidden(a, `could not determine node from user "${a.user.name}"`);
    const node = id.name;
    switch (`${a.group}/${a.resource}`) {
      case '/pods':
        switch (a.subresource) {
          case '':
            return admitPod(node, a, state);
          case 'status':
            return admitPodStatus(node, a);
          case 'eviction':
            return admitPodEviction(node, a, state);
          default:
            return admissionForbidden(a, `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`);
        }
      case '/nodes':
        return admitNode(node, a);
      case 'coordination.k8s.io/leases':
        return admitLease(node, a);
      case '/serviceaccounts':
        return admitServiceAccountToken(node, a, state);
      default:
        return undefined;
    }
  },
} satisfies AdmissionPlugin;

/** upstream's admitServiceAccount: a node's TokenRequest is bound to a pod (name and uid) scheduled on that node. */
function admitServiceAccountToken(node: string, a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
  if (a.operation !== 'CREATE' || a.subresource !== 'token') return undefined;
  const ref = (a.object as (ApiObject & Relaxed<TokenRequest>) | undefined)?.spec?.boundObjectRef;
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) return admissionForbidden(a, 'node requested token not bound to a pod');
  if (!ref.uid) return admissionForbidden(a, 'node requested token with a pod binding without a uid');
  const pod = state.pod(a.namespace, ref.name);
  if (!pod) return errors.notFound('pods', '', ref.name);
  if (ref.uid !== pod.metadata?.uid) {
    return admissionForbidden(a, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (asPod(pod).spec?.nodeName !== node) return admissionForbidden(a, 'node requested token bound to a pod scheduled on a different node');
  return undefined;
}

function admitPod(node: string, a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
  switch (a.operation) {
    case 'CREATE':
      return admitMirrorPodCreate(node, a, state);
    case 'DELETE': {
      const existing = a.oldObject ?? state.pod(a.namespace, a.name);
      if (!existing) return errors.notFound('pods', '', a.name);
      if (asPod(existing).spec?.nodeName !== node) return admissionForbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
      return undefined;
    }
    default:
      return admissionForbidden(a, `unexpected operation "${a.operation}", node "${node}" can only create and delete mirror pods`);
  }
}

function admitMirrorPodCreate(node: string, a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
  const pod = asPod(a.object);
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
    return admissionForbidden(a, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
  }
  if (pod.spec?.nodeName !== node) return admissionForbidden(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
  const owners = list(pod.metadata?.ownerReferences);
  if (owners.length > 1) return admissionForbidden(a, `node "${node}" can only create pods with a single owner reference set to itself`);
  if (owners.length === 0) return admissionForbidden(a, `node "${node}" can only create pods with an owner reference set to itself`);
  const owner = owners[0]!;
  if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) {
    return admissionForbidden(a, `node "${node}" can only create pods with an owner reference set to itself`);
  }
  if (owner.controller !== true) return admissionForbidden(a, `node "${node}" can only create pods with a controller owner reference set to itself`);
  if (owner.blockOwnerDeletion === true) return admissionForbidden(a, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
  const nodeObj = state.node(node);
  if (!nodeObj) return errors.notFound('node', '', node);
  if (owner.uid !== nodeObj.metadata?.uid) {
    return admissionForbidden(a, `node ${node} UID mismatch: expected ${owner.uid ?? ''} got ${nodeObj.metadata?.uid ?? ''}`);
  }
  // A node must not create a pod that would relate it to other API objects.
  if (pod.spec?.serviceAccountName || pod.spec?.serviceAccount) return admissionForbidden(a, `node "${node}" can not create pods that reference a service account`);
  if (podSecretNames(pod).size > 0) return admissionForbidden(a, `node "${node}" can not create pods that reference secrets`);
  if (podConfigMapNames(pod).size > 0) return admissionForbidden(a, `node "${node}" can not create pods that reference configmaps`);
  const volumes = list(pod.spec?.volumes);
  if (volumes.some((v) => list(v.projected?.sources).some((s) => valueAt(s, 'clusterTrustBundle')))) {
    return admissionForbidden(a, `node "${node}" can not create pods that reference clustertrustbundles`);
  }
  if (volumes.some((v) => v.persistentVolumeClaim)) return admissionForbidden(a, `node "${node}" can not create pods that reference persistentvolumeclaims`);
  return undefined;
}

function admitPodStatus(node: string, a: AdmissionAttributes): KubeError | undefined {
  if (a.operation !== 'UPDATE') return admissionForbidden(a, `unexpected operation "${a.operation}"`);
  const oldPod = asPod(a.oldObject);
  const newPod = asPod(a.object);
  if (oldPod.spec?.nodeName !== node) return admissionForbidden(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
  if (!deepEqual(oldPod.metadata?.labels ?? {}, newPod.metadata?.labels ?? {})) return admissionForbidden(a, `node "${node}" cannot update labels through pod status`);
  if (!resourceClaimStatusesEqual(valueAt(oldPod, 'status', 'resourceClaimStatuses'), valueAt(newPod, 'status', 'resourceClaimStatuses'))) {
    return admissionForbidden(a, `node "${node}" cannot update resource claim statues`);
  }
  return undefined;
}

function resourceClaimStatusesEqual(x: unknown, y: unknown): boolean {
  const a = objectsOf(x);
  const b = objectsOf(y);
  if (a.length !== b.length) return false;
  return a.every((s, i) => s.name === b[i]?.name && (s.resourceClaimName ?? null) === (b[i]?.resourceClaimName ?? null));
}

function admitPodEviction(node: string, a: AdmissionAttributes, state: AdmissionState): KubeError | undefined {
  if (a.operation !== 'CREATE') return admissionForbidden(a, `unexpected operation ${a.operation}`);
  const podName = a.name || a.object?.metadata?.name || '';
  if (!podName) return admissionForbidden(a, 'could not determine pod from request data');
  const existing = a.oldObject ?? state.pod(a.namespace, podName);
  if (!existing) return errors.notFound('pods', '', podName);
  if (asPod(existing).spec?.nodeName !== node) return admissionForbidden(a, `node ${node} can only evict pods with spec.nodeName set to itself`);
  return undefined;
}

function admitNode(node: string, a: AdmissionAttributes): KubeError | undefined {
  if (a.name !== node) return admissionForbidden(a, `node "${node}" is not allowed to modify node "${a.name}"`);
  if (a.operation === 'CREATE') {
    const n = asNode(a.object);
    // Spec fields scope what a node may read: a node must not point its own Node at a configuration.
    if (valueAt(n, 'spec', 'configSource')) return admissionForbidden(a, `node "${node}" is not allowed to create pods with a non-nil configSource`);
    const forbidden = forbiddenLabels(modifiedLabels(n.metadata?.labels, undefined));
    if (forbidden.length) return admissionForbidden(a, `node "${node}" is not allowed to set the following labels: ${forbidden.join(', ')}`);
  }
  if (a.operation === 'UPDATE') {
    const n = asNode(a.object);
    const old = asNode(a.oldObject);
    const configSource = valueAt(n, 'spec', 'configSource');
    if (configSource && !deepEqual(configSource, valueAt(old, 'spec', 'configSource'))) {
      return admissionForbidden(a, `node "${node}" is not allowed to update configSource to a new non-nil configSource`);
    }
    // Its own taints would let a node steer workloads that do not tolerate them onto itself.
    if (!deepEqual(n.spec?.taints ?? [], old.spec?.taints ?? [])) return admissionForbidden(a, `node "${node}" is not allowed to modify taints`);
    const forbidden = forbiddenLabels(modifiedLabels(n.metadata?.labels, old.metadata?.labels));
    if (forbidden.length) return admissionForbidden(a, `is not allowed to modify labels: ${forbidden.join(', ')}`);
  }
  return undefined;
}

function admitLease(node: string, a: AdmissionAttributes): KubeError | undefined {
  if (a.namespace !== 'kube-node-lease') return admissionForbidden(a, 'can only access leases in the "kube-node-lease" system namespace');
  const name = a.operation === 'CREATE' ? a.object?.metadata?.name : a.name;
  if (name !== node) return admissionForbidden(a, 'can only access node lease with the same name as the requesting node');
  return undefined;
}

/** The objects of a list field (a malformed body's other values count as none; validation answers for them). */
function list<T extends object>(v: readonly T[] | undefined): T[] {
  return Array.isArray(v) ? v.filter((x): x is T => !!x && typeof x === 'object') : [];
}

/** Label keys added, removed or changed between two label maps. */
export function modifiedLabels(a: unknown, b: unknown): Set<string> {
  const x: Record<string, unknown> = a && typeof a === 'object' ? (a as Record<string, unknown>) : {};
  const y: Record<string, unknown> = b && typeof b === 'object' ? (b as Record<string, unknown>) : {};
  const out = new Set<string>();
  for (const [k, v] of Object.entries(x)) if (!(k in y) || y[k] !== v) out.add(k);
  for (const [k, v] of Object.entries(y)) if (!(k in x) || x[k] !== v) out.add(k);
  return out;
}

function labelNamespace(key: string): string {
  const i = key.indexOf('/');
  return i >= 0 ? key.slice(0, i) : '';
}

function inNamespace(key: string, ns: string): boolean {
  const n = labelNamespace(key);
  return n === ns || n.endsWith('.' + ns);
}

/** The labels a kubelet may set on its own Node (k8s.io/kubelet/pkg/apis IsKubeletLabel). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);

export function isKubeletLabel(key: string): boolean {
  return KUBELET_LABELS.has(key) || inNamespace(key, 'kubelet.kubernetes.io') || inNamespace(key, 'node.kubernetes.io');
}

/** Of the modified labels, those a node may not add, remove or change, sorted. */
export function forbiddenLabels(modified: Set<string>): string[] {
  const out: string[] = [];
  for (const k of modified) {
    const kubernetesLabel = inNamespace(k, 'kubernetes.io') || inNamespace(k, 'k8s.io');
    if (inNamespace(k, 'node-restriction.kubernetes.io') || (kubernetesLabel && !isKubeletLabel(k))) out.push(k);
  }
  return out.sort();
}
