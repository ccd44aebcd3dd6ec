/**
 * Response content negotiation (negotiation.ts) as upstream's handlers/negotiation and goautoneg:
 * Accept parsing and ordering, the chosen media type and conversion per Accept header, and the 406s.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RESTRICTIONS,
  JSON_MEDIA,
  PROTOBUF_MEDIA,
  YAML_MEDIA,
  negotiateOutput,
  negotiateOutputStream,
  parseAccept,
  resourceRestrictions,
  wantsPretty,
} from '../../../control-plane/apiserver/negotiation.js';
import { KubeError } from '../../../api/errors.js';

/** A built-in kind today: written as JSON or YAML (no protobuf encoder yet), Tables allowed. */
const builtin = resourceRestrictions([JSON_MEDIA, YAML_MEDIA]);
/** A kind that could be written as protobuf too. */
const withProtobuf = resourceRestrictions([JSON_MEDIA, YAML_MEDIA, PROTOBUF_MEDIA]);
const subresource = resourceRestrictions([JSON_MEDIA, YAML_MEDIA], { tables: false });

const ALL = 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf';
const STREAMS = 'only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch';

describe('parseAccept (goautoneg.ParseAccept)', () => {
  it('splits clauses and parameters, trims spaces, reads q', () => {
    expect(parseAccept('application/json;as=Table;v=v1;g=meta.k8s.io, application/yaml;q=0.5')).toEqual([
      { type: 'application', subType: 'json', q: 1, params: { as: 'Table', v: 'v1', g: 'meta.k8s.io' } },
      { type: 'application', subType: 'yaml', q: 0.5, params: {} },
    ]);
  });
  it('orders by q, then a concrete type before */*, otherwise keeping the header order', () => {
    const order = (h: string) => parseAccept(h).map((c) => `${c.type}/${c.subType};q=${c.q}`);
    expect(order('application/yaml;q=0.5, application/json')).toEqual(['application/json;q=1', 'application/yaml;q=0.5']);
    expect(order('*/*, application/yaml')).toEqual(['application/yaml;q=1', '*/*;q=1']);
    expect(order('application/*, application/yaml')).toEqual(['application/yaml;q=1', 'application/*;q=1']);
    expect(order('application/json, application/yaml')).toEqual(['application/json;q=1', 'application/yaml;q=1']);
    // goautoneg's comparison puts a concrete type first even at a lower q
    expect(order('*/*;q=1, application/yaml;q=0.25')).toEqual(['application/yaml;q=0.25', '*/*;q=1']);
  });
  it('drops clauses without a subtype (but `*`); a q that is not a number is 0', () => {
    expect(parseAccept('text, *, application/json;q=x').map((c) => [`${c.type}/${c.subType}`, c.q])).toEqual([
      // goautoneg puts the concrete type first whatever its q
      ['application/json', 0],
      ['*/*', 1],
    ]);
    expect(parseAccept('')).toEqual([]);
  });
});

describe('negotiateOutput: which media type answers', () => {
  const cases: [string | undefined, string, string | undefined][] = [
    // [Accept, media type chosen, conversion]
    [undefined, 'application/json', undefined],
    ['', 'application/json', undefined],
    ['*/*', 'application/json', undefined],
    ['application/*', 'application/json', undefined],
    ['application/json', 'application/json', undefined],
    ['application/yaml', 'application/yaml', undefined],
    ['application/yaml, application/json', 'application/yaml', undefined],
    ['application/json;q=0.9, application/yaml', 'application/yaml', undefined],
    ['text/html, application/yaml;q=0.1', 'application/yaml', undefined],
    ['unrecognized/stuff,application/json; pretty=1', 'application/json', undefined],
    // kubectl get
    ['application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', 'application/json', 'meta.k8s.io/v1 Table'],
    ['application/yaml;as=Table;v=v1beta1;g=meta.k8s.io', 'application/yaml', 'meta.k8s.io/v1beta1 Table'],
    // a Table needs g and v; a Table in protobuf is refused, so the next clause answers
    ['application/json;as=Table, application/yaml', 'application/yaml', undefined],
    ['application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, application/json', 'application/json', undefined],
    ['application/json;as=Deployment;g=apps;v=v1, application/yaml', 'application/yaml', undefined],
    // client-go's metadata client
    ['application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json', 'application/json', 'meta.k8s.io/v1 PartialObjectMetadataList'],
    // protobuf is not written for these kinds yet: a fallback clause answers, as upstream does for a custom resource
    ['application/vnd.kubernetes.protobuf, */*', 'application/json', undefined],
    ['application/vnd.kubernetes.protobuf,application/json', 'application/json', undefined],
  ];
  for (const [accept, media, conversion] of cases) {
    it(`${accept === undefined ? '(no Accept)' : JSON.stringify(accept)} -> ${media}${conversion ? ' as ' + conversion : ''}`, () => {
      const n = negotiateOutput(accept, builtin);
      expect(n.serializer.mediaType).toBe(media);
      expect(n.target ? `${n.target.group}/${n.target.version} ${n.target.kind}` : undefined).toBe(conversion);
    });
  }

  it('a kind with a protobuf encoder would answer protobuf', () => {
    expect(negotiateOutput('application/vnd.kubernetes.protobuf, application/json', withProtobuf).serializer.mediaType).toBe('application/vnd.kubernetes.protobuf');
  });

  it('subresources serve no Tables: the next clause answers', () => {
    const n = negotiateOutput('application/json;as=Table;v=v1;g=meta.k8s.io,application/json', subresource);
    expect(n.serializer.mediaType).toBe('application/json');
    expect(n.target).toBeUndefined();
  });

  it.each([
    ['text/html'],
    ['application/vnd.kubernetes.protobuf'],
    ['application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io'],
    ['application/json;as=Table'],
    ['image/*, text/plain'],
    [' '],
  ])("%j is 406 with upstream's message", (accept) => {
    let err: unknown;
    try {
      negotiateOutput(accept, builtin);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).toStatus()).toMatchObject({ status: 'Failure', reason: 'NotAcceptable', code: 406, message: ALL });
  });

  it('error bodies use the default restrictions: any plain type, no conversion', () => {
    expect(negotiateOutput('application/json;as=Table;v=v1;g=meta.k8s.io,application/yaml', DEFAULT_RESTRICTIONS).serializer.mediaType).toBe('application/yaml');
    expect(negotiateOutput('application/vnd.kubernetes.protobuf', DEFAULT_RESTRICTIONS).serializer.mediaType).toBe('application/vnd.kubernetes.protobuf');
  });
});

describe('negotiateOutputStream: watch needs a streaming type', () => {
  it('JSON streams; YAML does not (406 listing the stream types)', () => {
    expect(negotiateOutputStream('application/json', builtin).serializer.mediaType).toBe('application/json');
    expect(negotiateOutputStream(undefined, builtin).serializer.mediaType).toBe('application/json');
    expect(() => negotiateOutputStream('application/yaml', builtin)).toThrow(STREAMS);
    // the first acceptable clause decides, even when a later one could stream
    expect(() => negotiateOutputStream('application/yaml, application/json', builtin)).toThrow(STREAMS);
    expect(() => negotiateOutputStream('text/html', builtin)).toThrow(STREAMS);
  });
  it('stream=watch is accepted on a streaming type; another stream schema skips the clause', () => {
    expect(negotiateOutputStream('application/json;stream=watch', builtin).stream).toBe('watch');
    expect(negotiateOutputStream('application/json;stream=other, application/json', builtin).stream).toBe('');
  });
});

describe('pretty JSON (isPrettyPrint)', () => {
  it.each([
    ['', 'curl/8.0', true],
    ['', 'Wget/1.21', true],
    ['', 'Mozilla/5.0 (X11)', true],
    ['', 'kubectl/v1.32.0 (linux/amd64)', false],
    ['', undefined, false],
    ['pretty=true', undefined, true],
    ['pretty=1', undefined, true],
    ['pretty=false', 'curl/8.0', false],
    ['pretty=yes', undefined, false],
  ])('query %j, User-Agent %j -> %s', (q, ua, want) => {
    expect(wantsPretty(new URLSearchParams(q), ua)).toBe(want);
  });
});
