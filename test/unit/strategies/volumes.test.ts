import { describe, expect, it } from 'vitest';
import { findResource } from '../../../api/resources.js';
import { strategyFor } from '../../../api/kinds/registry.js';
import {
  isValidFileMode,
  validateLocalNonReservedPath,
  validateVolumes,
} from '../../../api/strategies/volumes.js';

const pods = strategyFor(findResource('', 'pods')!);
const deployments = strategyFor(findResource('apps', 'deployments')!);

const msgs = (errs: { field?: string; message?: string }[]) => errs.map((e) => `${e.field}: ${e.message}`);

describe('validateLocalNonReservedPath (upstream ValidateLocalNonReservedPath)', () => {
  const cases: [string, string[]][] = [
    ['a', []],
    ['a/b/c.txt', []],
    ['a..b', []],
    ['.hidden', []],
    ['a/..b', []],
    ['../x', ["p: Invalid value: \"../x\": must not contain '..'"]],
    ['../../../../../tmp/x', ["p: Invalid value: \"../../../../../tmp/x\": must not contain '..'"]],
    ['a/../../b', ["p: Invalid value: \"a/../../b\": must not contain '..'"]],
    ['a/..', ["p: Invalid value: \"a/..\": must not contain '..'"]],
    ['..', ["p: Invalid value: \"..\": must not contain '..'", "p: Invalid value: \"..\": must not start with '..'"]],
    ['/etc/passwd', ['p: Invalid value: "/etc/passwd": must be a relative path']],
    ['/../x', ['p: Invalid value: "/../x": must be a relative path', "p: Invalid value: \"/../x\": must not contain '..'"]],
    ['..data', ["p: Invalid value: \"..data\": must not start with '..'"]],
    ['..2024_01_01', ["p: Invalid value: \"..2024_01_01\": must not start with '..'"]],
  ];
  it.each(cases)('%s', (path, want) => {
    expect(msgs(validateLocalNonReservedPath(path, 'p'))).toEqual(want);
  });
});

describe('file modes', () => {
  it.each([
    [0, true],
    [0o644, true],
    [0o777, true],
    [0o1000, false],
    [2541, false], // 04755: setuid
    [-1, false],
    [1.5, false],
    ['0644', false],
  ] as [unknown, boolean][])('%s -> %s', (mode, ok) => {
    expect(isValidFileMode(mode)).toBe(ok);
  });
});

describe('volume sources', () => {
  const cases: [string, any[], string[]][] = [
    [
      'configMap item escaping the volume with a setuid mode',
      [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: '../../../../../tmp/x', mode: 2541 }] } }],
      [
        "spec.volumes[0].configMap.items[0].path: Invalid value: \"../../../../../tmp/x\": must not contain '..'",
        'spec.volumes[0].configMap.items[0].mode: Invalid value: 2541: must be a number between 0 and 0777 (octal), both inclusive',
      ],
    ],
    [
      'configMap item: absolute path, missing key, bad defaultMode',
      [{ name: 'v', configMap: { name: 'cm', defaultMode: 0o4755, items: [{ path: '/etc/shadow' }] } }],
      [
        'spec.volumes[0].configMap.defaultMode: Invalid value: 2541: must be a number between 0 and 0777 (octal), both inclusive',
        'spec.volumes[0].configMap.items[0].key: Required value',
        'spec.volumes[0].configMap.items[0].path: Invalid value: "/etc/shadow": must be a relative path',
      ],
    ],
    [
      'configMap item: empty path',
      [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: '' }] } }],
      ['spec.volumes[0].configMap.items[0].path: Required value'],
    ],
    [
      'secret items and defaultMode',
      [{ name: 'v', secret: { secretName: 's', defaultMode: -1, items: [{ key: 'k', path: 'ok' }, { key: 'k', path: '..data' }] } }],
      [
        'spec.volumes[0].secret.defaultMode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive',
        "spec.volumes[0].secret.items[1].path: Invalid value: \"..data\": must not start with '..'",
      ],
    ],
    [
      'downwardAPI files (upstream names the source, not the item)',
      [{ name: 'v', downwardAPI: { defaultMode: 0o7777, items: [{ path: '../x', fieldRef: { fieldPath: 'metadata.name' }, mode: 0o2000 }, { path: 'y' }] } }],
      [
        'spec.volumes[0].downwardAPI.defaultMode: Invalid value: 4095: must be a number between 0 and 0777 (octal), both inclusive',
        "spec.volumes[0].downwardAPI.path: Invalid value: \"../x\": must not contain '..'",
        'spec.volumes[0].downwardAPI.mode: Invalid value: 1024: must be a number between 0 and 0777 (octal), both inclusive',
        'spec.volumes[0].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required',
      ],
    ],
    [
      'projected sources',
      [
        {
          name: 'v',
          projected: {
            defaultMode: 0o1777,
            sources: [
              { configMap: { name: 'cm', items: [{ key: 'a', path: 'same' }] } },
              { secret: { name: 's', items: [{ key: 'b', path: 'same' }, { key: 'c', path: '/abs', mode: 0o4777 }] } },
              { downwardAPI: { items: [{ path: 'x/../../y', fieldRef: { fieldPath: 'metadata.name' } }] } },
              { serviceAccountToken: { path: '../token' } },
              { configMap: { name: 'cm' }, secret: { name: 's' } },
            ],
          },
        },
      ],
      [
        'spec.volumes[0].projected.defaultMode: Invalid value: 1023: must be a number between 0 and 0777 (octal), both inclusive',
        'spec.volumes[0].projected: Invalid value: "s": conflicting duplicate paths',
        'spec.volumes[0].projected.sources[1].secret.items[1].path: Invalid value: "/abs": must be a relative path',
        'spec.volumes[0].projected.sources[1].secret.items[1].mode: Invalid value: 2559: must be a number between 0 and 0777 (octal), both inclusive',
        "spec.volumes[0].projected.sources[2].downwardAPI.path: Invalid value: \"x/../../y\": must not contain '..'",
        "spec.volumes[0].projected.path: Invalid value: \"../token\": must not contain '..'",
        'spec.volumes[0].projected.sources[4]: Forbidden: may not specify more than 1 volume type',
      ],
    ],
    [
      'hostPath with a backstep and an unknown type',
      [{ name: 'v', hostPath: { path: '/srv/../etc', type: 'Dir' } }],
      [
        "spec.volumes[0].hostPath.path: Invalid value: \"/srv/../etc\": must not contain '..'",
        'spec.volumes[0].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      ],
    ],
    [
      'valid sources',
      [
        { name: 'a', configMap: { name: 'cm', defaultMode: 0o644, items: [{ key: 'k', path: 'dir/file', mode: 0o400 }] } },
        { name: 'b', secret: { secretName: 's', defaultMode: 0, items: [{ key: 'k', path: 'a..b' }] } },
        { name: 'c', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' }, mode: 0o777 }] } },
        { name: 'd', projected: { sources: [{ configMap: { name: 'cm', items: [{ key: 'k', path: 'x' }] } }, { secret: { name: 's' } }] } },
        { name: 'e', hostPath: { path: '/srv/data', type: 'DirectoryOrCreate' } },
      ],
      [],
    ],
  ];
  it.each(cases)('%s', (_name, volumes, want) => {
    expect(msgs(validateVolumes(volumes, 'spec.volumes').errs)).toEqual(want);
  });

  it('a pod and a Deployment template reject an escaping item path', () => {
    const pod: any = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        containers: [{ name: 'c', image: 'x' }],
        volumes: [{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: '../../../../../tmp/x', mode: 2541 }] } }],
      },
    };
    pods.applyDefaults(pod);
    pods.prepareForCreate(pod);
    expect(pods.validate(pod).map((e) => e.field)).toEqual(['spec.volumes[0].configMap.items[0].path', 'spec.volumes[0].configMap.items[0].mode']);
    const d: any = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: pod.spec.volumes } },
      },
    };
    deployments.applyDefaults(d);
    expect(deployments.validate(d).map((e) => e.field)).toEqual([
      'spec.template.spec.volumes[0].configMap.items[0].path',
      'spec.template.spec.volumes[0].configMap.items[0].mode',
    ]);
  });
});
