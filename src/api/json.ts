/**
 * Strict JSON parsing for request bodies: JSON.parse, plus refusal of duplicate keys, which JSON.parse
 * silently resolves last-wins (a classic parser-differential trick), and of the key `__proto__`:
 * JSON.parse makes it an own property, which zod's records skip without validating, so it would pass
 * the schemas unchecked and then vanish (a metadata value under it was answered 201 and dropped).
 */
import { clip } from '../domain/text.ts';

export class JsonError extends Error {}

export const parseStrictJson = (text: string): unknown => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JsonError('The body is not valid JSON');
  }
  if (text.includes('{')) assertSafeKeys(text);
  return value;
};

/** Scans text that is already known to be valid JSON, tracking the keys of each open object. */
const assertSafeKeys = (text: string): void => {
  // Each stack entry is the key set of an open object, or null for an open array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(key)) throw new JsonError(`Duplicate key "${clip(key, 40)}" in JSON body`);
        if (key === '__proto__') throw new JsonError('The key "__proto__" is not allowed in a JSON body');
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] != null;
    }
  }
};
