import { describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  type AuditRecord,
  auditHash,
  canonicalJson,
  chainRecord,
  GENESIS_HASH,
  verifyChain,
} from './audit.ts';

const entry = (n: number, subjectId = 's-1'): AuditEntry => ({
  id: `e-${n}`,
  at: `2026-01-0${n}T00:00:00.000Z`,
  actor: { userId: 'u-admin', role: 'admin', sourceIp: '203.0.113.7' },
  action: 'customer_disabled',
  subject: { type: 'user', id: subjectId },
  reason: 'fraud review',
  outcome: 'succeeded',
  requestId: `req-${n}`,
});

/** A chain of `n` records for one subject, built as the trail builds it. */
const chain = (n: number, subjectId = 's-1'): AuditRecord[] => {
  const out: AuditRecord[] = [];
  for (let i = 1; i <= n; i++) out.push(chainRecord(entry(i, subjectId), out.at(-1)));
  return out;
};

/** `r` with `change` applied and its hash computed again, as a forger who knows the scheme would. */
const rehashed = (r: AuditRecord, change: Partial<AuditRecord>): AuditRecord => {
  const { hash: _, ...rest } = { ...r, ...change };
  return { ...rest, hash: auditHash(rest) };
};

describe('the audit chain', () => {
  it('hashes a canonical form: keys sorted at every level, undefined members left out', () => {
    // The guard of the sort: auditHash builds its object in a fixed order, so a record's own key order
    // never reaches canonicalJson; another caller's object may.
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"e":3,"f":2}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    const [r] = chain(1);
    expect(r?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  const [first] = chain(1);
  if (!first) throw new Error('no record');
  const { hash: h, ...r } = first;
  it.for<[string, Omit<AuditRecord, 'hash'>]>([
    ['id', { ...r, id: 'e-other' }],
    ['at', { ...r, at: '2026-01-01T00:00:00.001Z' }],
    ['actor.userId', { ...r, actor: { ...r.actor, userId: 'u-other' } }],
    ['actor.role', { ...r, actor: { ...r.actor, role: 'system' } }],
    ['actor.sourceIp', { ...r, actor: { ...r.actor, sourceIp: '10.0.0.1' } }],
    ['action', { ...r, action: 'customer_enabled' }],
    ['subject.type', { ...r, subject: { ...r.subject, type: 'account' } }],
    ['subject.id', { ...r, subject: { ...r.subject, id: 's-2' } }],
    ['reason', { ...r, reason: 'fraud reviews' }],
    ['reason (dropped)', { ...r, reason: undefined }],
    ['transactionId (added)', { ...r, transactionId: 't-1' }],
    ['amount (added)', { ...r, amount: 100 }],
    ['outcome', { ...r, outcome: 'failed' }],
    ['requestId', { ...r, requestId: 'req-2' }],
    ['seq', { ...r, seq: 2 }],
    ['prevHash', { ...r, prevHash: 'f'.repeat(64) }],
  ])('the hash covers %s', ([, changed]) => {
    expect(auditHash(changed)).not.toBe(h);
  });

  it('chains: seq 1..n, the first linked to 64 zeros, each after to the hash before it', () => {
    const c = chain(3);
    expect(c.map((x) => x.seq)).toEqual([1, 2, 3]);
    expect(c.map((x) => x.prevHash)).toEqual([GENESIS_HASH, c[0]?.hash, c[1]?.hash]);
    expect(verifyChain('s-1', c)).toEqual([]);
  });

  it('finds a record altered in place', () => {
    const c = chain(3);
    const [a, b, z] = c as [AuditRecord, AuditRecord, AuditRecord];
    expect(verifyChain('s-1', [a, { ...b, outcome: 'failed' }, z])).toEqual([
      's-1#2: altered (hash does not match)',
    ]);
  });

  it('finds a record in the middle altered and hashed again: the next one no longer links to it', () => {
    const [a, b, z] = chain(3) as [AuditRecord, AuditRecord, AuditRecord];
    expect(verifyChain('s-1', [a, rehashed(b, { action: 'customer_enabled' }), z])).toEqual([
      's-1#3: prevHash does not match the record before',
    ]);
  });

  it('finds a first record that does not start from 64 zeros, even hashed again', () => {
    const [a, b] = chain(2) as [AuditRecord, AuditRecord];
    const forged = rehashed(a, { prevHash: 'f'.repeat(64) });
    expect(verifyChain('s-1', [forged, rehashed(b, { prevHash: forged.hash })])).toEqual([
      's-1#1: prevHash does not match the record before',
    ]);
  });

  it('finds a record removed: a gap in seq, and a link to a record that is not there', () => {
    const [a, , z] = chain(3) as [AuditRecord, AuditRecord, AuditRecord];
    expect(verifyChain('s-1', [a, z])).toEqual([
      's-1: gap, record 2 is missing before 3',
      's-1#3: prevHash does not match the record before',
    ]);
  });

  it("finds another subject's record in the chain", () => {
    const [a] = chain(1) as [AuditRecord];
    const [other] = chain(1, 's-2') as [AuditRecord];
    expect(verifyChain('s-1', [a])).toEqual([]);
    expect(verifyChain('s-1', [other])).toEqual(['s-1#1: subject is s-2']);
  });
});
