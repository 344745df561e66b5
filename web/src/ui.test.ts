import type { VNode } from 'preact';
import { describe, expect, it } from 'vitest';
import { FormError, firstProblem } from './ui.tsx';

/** The attributes FormError puts on its message (the props of the element it renders). */
const attributes = (node: unknown) => (node as VNode<Record<string, unknown>>).props;

describe('FormError: a refusal read once', () => {
  it('given focus, is no live region (focus reads it; role="alert" too would read it twice)', () => {
    const p = attributes(FormError({ message: 'It was not done.', id: 'form-error', focused: true }));
    expect(p.id).toBe('form-error');
    expect(p.children).toBe('It was not done.');
    expect(p.role).toBeUndefined();
    expect(p['aria-live']).toBeUndefined();
  });

  it('shown while focus stays elsewhere, is announced: role="alert"', () => {
    expect(attributes(FormError({ message: 'This page could not load.' })).role).toBe('alert');
    expect(attributes(FormError({ message: 'No.', id: 'form-error', focused: false })).role).toBe('alert');
  });

  it('shows nothing without a message', () => {
    expect(FormError({ message: undefined, focused: true })).toBeNull();
  });
});

describe('firstProblem: where a refused submission puts focus', () => {
  it('is the first field in error; none when only the action is refused (its message takes focus)', () => {
    expect(firstProblem({ amount: undefined, to: 'Enter a number.', note: 'Too long.' })).toBe('to');
    expect(firstProblem({ amount: undefined, to: '' })).toBeUndefined();
    expect(firstProblem({})).toBeUndefined();
  });
});
