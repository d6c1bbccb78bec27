import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityAccepted } from '../../../src/image/trust/evaluate.ts';
import { dockerScopes, parsePolicy } from '../../../src/image/trust/policy.ts';
import { InvalidSignature, parsePayload } from '../../../src/image/trust/simple.ts';
import { duplicateKey } from '../../../src/util/strictjson.ts';

const D = `sha256:${'a'.repeat(64)}`;

describe('identityAccepted (containers/image PolicyReferenceMatch)', () => {
  it('a signed identity that is a bare name is never accepted', () => {
    for (const rule of ['matchExact', 'matchRepoDigestOrExact', 'matchRepository'] as const) {
      assert.equal(identityAccepted({ type: rule }, 'docker.io/library/busybox:latest', 'docker.io/library/busybox'), false, rule);
      assert.equal(identityAccepted({ type: rule }, 'docker.io/library/busybox:latest', 'busybox'), false, rule);
    }
  });
  it('tags must match exactly; a digest reference needs only the repository', () => {
    assert.equal(identityAccepted({ type: 'matchRepoDigestOrExact' }, 'r.io/a/b:1', 'r.io/a/b:1'), true);
    assert.equal(identityAccepted({ type: 'matchRepoDigestOrExact' }, 'r.io/a/b:1', 'r.io/a/b:2'), false);
    assert.equal(identityAccepted({ type: 'matchRepoDigestOrExact' }, `r.io/a/b@${D}`, 'r.io/a/b:2'), true);
    assert.equal(identityAccepted({ type: 'matchExact' }, `r.io/a/b@${D}`, 'r.io/a/b:2'), false);
    assert.equal(identityAccepted({ type: 'exactReference', dockerReference: 'r.io/a/b' }, 'r.io/a/b:latest', 'r.io/a/b:latest'), false, 'a bare exactReference names no image');
    assert.equal(identityAccepted({ type: 'remapIdentity', prefix: 'mirror.io/a', signedPrefix: 'r.io/a' }, 'mirror.io/a/b:1', 'r.io/a/b:1'), true);
    assert.equal(identityAccepted({ type: 'remapIdentity', prefix: 'mirror.io/a', signedPrefix: 'r.io/a' }, 'mirror.io/ab:1', 'r.io/ab:1'), false, 'prefixes match whole components');
  });
});

describe('payloads are read strictly', () => {
  const payload = (o: unknown) => Buffer.from(JSON.stringify(o));
  const good = { critical: { identity: { 'docker-reference': 'r.io/a:1' }, image: { 'docker-manifest-digest': D }, type: 'atomic container signature' }, optional: {} };
  it('accepts the well-formed payload', () => {
    assert.deepEqual(parsePayload(payload(good)), { dockerReference: 'r.io/a:1', manifestDigest: D });
  });
  it('refuses a missing optional, an unknown critical field, another type, a repeated key', () => {
    const { optional: _o, ...noOptional } = good;
    for (const bad of [
      payload(noOptional),
      payload({ ...good, critical: { ...good.critical, extra: 1 } }),
      payload({ ...good, critical: { ...good.critical, type: 'cosign container image signature' } }),
      Buffer.from(JSON.stringify(good).replace('"optional":{}', `"critical":${JSON.stringify(good.critical)},"optional":{}`)),
    ]) {
      assert.throws(() => parsePayload(bad), InvalidSignature);
    }
  });
});

describe('policy.json strictness and scopes', () => {
  it('a repeated key makes the policy invalid', () => {
    assert.equal(duplicateKey('{"a":1,"b":{"a":2},"a":3}'), 'a');
    assert.equal(duplicateKey('{"a":[{"x":1},{"x":2}],"b":"a\\"a"}'), undefined);
    assert.throws(() => parsePolicy('{"default":[{"type":"reject"}],"default":[{"type":"insecureAcceptAnything"}]}', '/p.json'), /Duplicate key "default"/);
  });
  it('docker scopes go from the reference to wildcards; a tag and a digest are both stripped for the repository', () => {
    assert.deepEqual(dockerScopes('a.b.example.com:5000/ns/repo:1'), ['a.b.example.com:5000/ns/repo:1', 'a.b.example.com:5000/ns/repo', 'a.b.example.com:5000/ns', 'a.b.example.com:5000', '*.b.example.com', '*.example.com', '*.com']);
    assert.equal(dockerScopes(`r.io/ns/repo:1@${D}`)[1], 'r.io/ns/repo');
  });
  it('docker-archive takes only its default scope', () => {
    assert.throws(() => parsePolicy('{"default":[{"type":"reject"}],"transports":{"docker-archive":{"/x":[{"type":"reject"}]}}}', '/p.json'), /docker-archive takes no scopes/);
  });
});
