import { describe, expect, it } from 'vitest';
import { eventId } from './events.ts';
import { securityEmailFor, securityNoticeOf, securityNoticeTypes } from './security-notices.ts';

/** An audit item as src/store/audit.ts writes it for a security event. */
const record = (over: Record<string, unknown> = {}) => ({
  pk: 'AUDIT#u1',
  sk: 'SEQ#000000000003',
  entity: 'audit',
  id: 'rec-1',
  at: '2026-12-07T23:59:30.000Z',
  actor: { userId: 'u1', role: 'customer', sourceIp: '203.0.113.9' },
  action: 'password_changed',
  subject: { type: 'user', id: 'u1' },
  outcome: 'succeeded',
  requestId: 'req-1',
  seq: 3,
  ...over,
});

describe('security notices from audit records', () => {
  it('a password change gives its owner a notice whose id is the record’s, the same however often delivered', () => {
    const n = securityNoticeOf(record(), eventId);
    expect(n).toEqual({
      id: eventId('audit:rec-1', 'u1'),
      type: 'security.password_changed',
      createdAt: '2026-12-07T23:59:30.000Z',
      ownerId: 'u1',
      data: { at: '2026-12-07T23:59:30.000Z' },
    });
    expect(securityNoticeOf(record(), eventId)).toEqual(n);
  });

  it('gives none for an action not listed, one that did not succeed, a subject not a customer, or another item', () => {
    expect(securityNoticeOf(record({ action: 'login_succeeded' }), eventId)).toBeUndefined();
    expect(securityNoticeOf(record({ outcome: 'failed' }), eventId)).toBeUndefined();
    expect(securityNoticeOf(record({ subject: { type: 'email', id: 'a@b.c' } }), eventId)).toBeUndefined();
    expect(securityNoticeOf(record({ entity: 'journal' }), eventId)).toBeUndefined();
    expect(securityNoticeOf(undefined, eventId)).toBeUndefined();
  });

  it('every notice says when, in UTC and so named, what to do if it was not them, and has no link', () => {
    for (const type of Object.values(securityNoticeTypes)) {
      const e = securityEmailFor(type, '2026-12-07T23:59:30.000Z');
      expect(e.text, type).toContain('on 2026-12-07 at 23:59 UTC');
      expect(e.text, type).toMatch(/If (it was not you|not, you need do nothing)/);
      expect(`${e.text}${e.html}`, type).not.toMatch(/https?:|href=|www\./i);
    }
  });
});
