import { describe, expect, it } from 'vitest';
import { MESSAGES } from './errors.ts';
import { ENDED, RUN_FAILURES, runFailureText } from './schedule-text.ts';

describe("a scheduled transfer's runs and end in plain words", () => {
  it("says each of the runner's own codes in its own words, the API's as the API's, and anything else in general", () => {
    expect(runFailureText('recipient_closed')).toBe('The account it pays is closed.');
    expect(runFailureText('recipient_frozen')).toBe(
      'The account it pays cannot receive payments at the moment.',
    );
    expect(runFailureText('account_closed')).toBe('The account it pays from is closed.');
    expect(runFailureText('insufficient_funds')).toBe(MESSAGES.insufficient_funds);
    expect(runFailureText('user_disabled')).toBe(MESSAGES.user_disabled);
    expect(runFailureText('something_new')).toBe('It could not be sent.');
    for (const [code, text] of Object.entries(RUN_FAILURES)) {
      expect(text).toMatch(/^[A-Z].*\.$/);
      expect(text, code).not.toContain('_');
    }
  });

  it('says why a schedule ended, for every reason the API gives', () => {
    expect(ENDED.recipient_closed).toBe('The account it pays was closed.');
    expect(new Set(Object.values(ENDED)).size).toBe(Object.keys(ENDED).length);
  });
});
