import { describe, expect, it } from 'vitest';
import {
  findContainerPort,
  getScaledValueFromIntOrPercent,
  intValue,
  IntOrStringError,
  isPercent,
  resolvePort,
  tryResolvePort,
} from '../../../api/intstr.js';

describe('getScaledValueFromIntOrPercent (maxSurge / maxUnavailable)', () => {
  it.each([
    [5, 10, true, 5],
    [0, 10, false, 0],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 4, true, 1],
    ['25%', 4, false, 1],
    ['0%', 3, true, 0],
    ['100%', 3, false, 3],
    ['50%', 3, true, 2],
    ['50%', 3, false, 1],
    ['10%', 1, true, 1],
    ['10%', 1, false, 0],
    ['200%', 3, false, 6],
    ['25%', 0, true, 0],
  ] as const)('%j of %d (roundUp %s) = %d', (v, total, up, want) => {
    expect(getScaledValueFromIntOrPercent(v, total, up)).toBe(want);
  });

  it.each([
    [undefined, 'nil value for IntOrString'],
    ['5', 'invalid value for IntOrString: invalid type: string is not a percentage'],
    ['x%', 'invalid value for IntOrString: invalid value "x%": strconv.Atoi: parsing "x": invalid syntax'],
    ['1.5%', 'invalid value for IntOrString: invalid value "1.5%": strconv.Atoi: parsing "1.5": invalid syntax'],
  ])('%j fails: %s', (v, message) => {
    expect(() => getScaledValueFromIntOrPercent(v, 10, true)).toThrow(new IntOrStringError(message));
  });

  it('intValue and isPercent', () => {
    expect(intValue(7)).toBe(7);
    expect(intValue('8')).toBe(8);
    expect(intValue('http')).toBe(0);
    expect(isPercent('25%')).toBe(true);
    expect(isPercent('25')).toBe(false);
    expect(isPercent(25)).toBe(false);
  });
});

describe('resolvePort (podutil.FindPort)', () => {
  const pod = {
    metadata: { uid: 'uid-1' },
    spec: {
      containers: [
        { name: 'web', ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] },
        { name: 'metrics', ports: [{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }] },
      ],
      initContainers: [
        { name: 'init', ports: [{ name: 'init-port', containerPort: 1 }] },
        { name: 'proxy', restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 15001 }] },
      ],
    },
  };

  it.each([
    [{ port: 80, targetPort: 8080 }, 8080],
    [{ port: 80, targetPort: 'http' }, 8080],
    [{ port: 80, targetPort: 'http', protocol: 'TCP' }, 8080],
    [{ port: 53, targetPort: 'dns', protocol: 'UDP' }, 53],
    [{ port: 9100, targetPort: 'metrics' }, 9100],
    [{ port: 80, targetPort: 'proxy' }, 15001],
    [{ port: 81 }, 81],
  ])('%j -> %d', (svcPort, want) => {
    expect(resolvePort(pod, svcPort)).toBe(want);
  });

  it.each([
    [{ port: 53, targetPort: 'dns' }], // protocol mismatch (TCP vs UDP)
    [{ port: 80, targetPort: 'nope' }],
    [{ port: 80, targetPort: 'init-port' }], // plain init containers do not serve
    [{ port: 80, targetPort: '8080' }], // a string is a name, even if numeric
  ])('%j has no port', (svcPort) => {
    expect(() => resolvePort(pod, svcPort)).toThrow('no suitable port for manifest: uid-1');
    expect(tryResolvePort(pod, svcPort)).toBeUndefined();
  });

  it('findContainerPort', () => {
    expect(findContainerPort(pod, 'http')).toBe(8080);
    expect(findContainerPort(pod, 'dns', 'UDP')).toBe(53);
    expect(findContainerPort({ spec: {} }, 'http')).toBeUndefined();
  });
});
