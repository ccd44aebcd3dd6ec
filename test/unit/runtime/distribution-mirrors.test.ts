import { describe, expect, it } from 'vitest';
import { endpointsFor } from '../../../node-agent/runtime/distribution.js';

describe('registry endpoints', () => {
  it('mirrors first, then the registry itself (containerd behaviour)', () => {
    expect(endpointsFor('docker.io', { mirrors: { 'docker.io': ['http://127.0.0.1:5000'] } })).toEqual(['http://127.0.0.1:5000', 'https://registry-1.docker.io']);
  });
  it('with mirrorFallback off, only the mirrors: a lab node never reaches out of the machine', () => {
    expect(endpointsFor('docker.io', { mirrors: { 'docker.io': ['http://127.0.0.1:5000'] }, mirrorFallback: false })).toEqual(['http://127.0.0.1:5000']);
  });
});
