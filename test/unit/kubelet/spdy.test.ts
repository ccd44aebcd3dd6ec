import { describe, expect, it } from 'vitest';
import { FLAG_FIN, FrameParser, HeaderCodec, SPDY_DICTIONARY, TYPE, controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock } from '../../../node-agent/kubelet/spdy.js';
import { logContainerID, selectSubprotocol } from '../../../node-agent/kubelet/server.js';
import { statusEssentials } from '../../../node-agent/kubelet/pod-plan.js';

describe('SPDY/3.1 framing', () => {
  it('has the spec\'s dictionary (1423 bytes, starting with "options", ending with "enq=0.")', () => {
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(SPDY_DICTIONARY.subarray(0, 11)).toEqual(Buffer.from([0, 0, 0, 7, ...Buffer.from('options')]));
    expect(SPDY_DICTIONARY.subarray(-6).toString()).toBe('enq=0.');
  });
  it('splits a byte stream into frames across chunk boundaries', () => {
    const bytes = Buffer.concat([controlFrame(TYPE.PING, 0, Buffer.from([0, 0, 0, 1])), dataFrame(3, FLAG_FIN, Buffer.from('hello'))]);
    const p = new FrameParser();
    const frames = [...p.push(bytes.subarray(0, 5)), ...p.push(bytes.subarray(5, 15)), ...p.push(bytes.subarray(15))];
    expect(frames).toEqual([
      { control: true, type: TYPE.PING, flags: 0, data: Buffer.from([0, 0, 0, 1]) },
      { control: false, streamId: 3, flags: FLAG_FIN, data: Buffer.from('hello') },
    ]);
  });
  it('encodes and decodes header blocks', () => {
    const h = { streamtype: 'data', port: '80', requestid: '0' };
    expect(decodeHeaderBlock(encodeHeaderBlock(h))).toEqual(h);
  });
  it('compresses header blocks with one zlib stream per direction, primed with the dictionary', async () => {
    const a = new HeaderCodec();
    const b = new HeaderCodec();
    // a's encoder feeds b's decoder (as client -> server), several frames on one stream
    const h1 = { streamtype: 'error', port: '80', requestid: '0' };
    const h2 = { streamtype: 'data', port: '80', requestid: '0' };
    expect(await b.decode(await a.encode(h1))).toEqual(h1);
    expect(await b.decode(await a.encode(h2))).toEqual(h2);
    a.close();
    b.close();
  });
});

describe('kubelet API protocol selection', () => {
  it.each([
    [['v4.channel.k8s.io', 'v5.channel.k8s.io'], 'v5.channel.k8s.io'],
    [['v4.channel.k8s.io', 'v3.channel.k8s.io'], 'v4.channel.k8s.io'],
    [['SPDY/3.1+portforward.k8s.io'], 'SPDY/3.1+portforward.k8s.io'],
    [['channel.k8s.io'], false],
  ])('offered %j -> %s', (offered, want) => expect(selectSubprotocol(new Set(offered))).toBe(want));
});

describe('status essentials', () => {
  it('differ when someone else marked the pod not Ready', () => {
    const ours = { phase: 'Running', podIP: '10.244.1.2', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'c', containerID: 'containerd://1', ready: true, restartCount: 0, state: { running: {} } }] };
    const theirs = { ...ours, conditions: [{ type: 'Ready', status: 'False' }] };
    expect(statusEssentials(ours)).not.toBe(statusEssentials(theirs));
    expect(statusEssentials(ours)).toBe(statusEssentials(structuredClone(ours)));
  });
});

describe('which container\'s logs', () => {
  const running = { name: 'c', containerID: 'containerd://b', state: { running: {} }, lastState: { terminated: { containerID: 'containerd://a' } } };
  const crashLoop = { name: 'c', containerID: 'containerd://b', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { containerID: 'containerd://b' } } };
  const creating = { name: 'c', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} };
  it.each([
    ['running', running, false, { id: 'b' }],
    ['running, previous', running, true, { id: 'a' }],
    ['crash loop', crashLoop, false, { id: 'b' }],
    ['crash loop, previous', crashLoop, true, { id: 'b' }],
    ['creating', creating, false, { error: 'container "c" in pod "p" is waiting to start: ContainerCreating' }],
    ['creating, previous', creating, true, { error: 'previous terminated container "c" in pod "p" not found' }],
    ['no status yet', undefined, false, {}],
  ])('%s', (_n, st, previous, want) => expect(logContainerID(st as never, 'c', 'p', previous as boolean)).toEqual(want));
});
