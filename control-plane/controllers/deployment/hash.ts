/** The pod-template-hash is controller.ComputeHash, shared with the DaemonSet controller (../history/hash.ts). */
export { computeHash, fnv32a, safeEncodeString, SAFE_ALPHANUMS } from '../history/hash.js';
