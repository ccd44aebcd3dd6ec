/**
 * A CRD's versions in upstream's order (version.CompareKubeAwareVersionStrings) and its served ones: pure, and
 * free of schemas, so a client that only needs a CRD's names (the namespace controller) loads no TypeBox.
 */
import type { CustomResourceDefinition } from '../types/apiextensions.js';
import type { Relaxed } from '../types/views.js';
import type { CRDVersion } from './crd-validation.js';

/** A version string's place in upstream's order (version.CompareKubeAwareVersionStrings): GA, beta, alpha, then others. */
function versionRank(v: string): [number, number, number, string] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [3, 0, 0, v];
  const stability = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
  return [stability, -Number(m[1]), -Number(m[3] ?? 0), v];
}

/** Upstream's discovery order of versions: v10, v2, v1, v11beta2, v10beta3, v3beta1, v12alpha1, v11alpha2, foo1, foo10. */
export function compareVersions(a: string, b: string): number {
  const x = versionRank(a);
  const y = versionRank(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x[3] < y[3] ? -1 : x[3] > y[3] ? 1 : 0;
}

/** A CRD's served versions, in upstream's priority order (the first is the preferred version). */
export function servedVersions(crd: Relaxed<CustomResourceDefinition>): CRDVersion[] {
  return (crd.spec?.versions ?? []).filter((v) => v.served === true && typeof v.name === 'string').sort((a, b) => compareVersions(a.name ?? '', b.name ?? ''));
}

/** The preferred served version of a CRD. */
export function servedVersion(crd: Relaxed<CustomResourceDefinition>): CRDVersion | undefined {
  return servedVersions(crd)[0];
}

