/**
 * The deployed maps keep our sources' mappings only (./source-map-trim.ts), and Node's own source map
 * reader (node:module SourceMap, what --enable-source-maps uses) finds ours where they were and nothing
 * in a package's code, even on the same minified line.
 */
import { SourceMap } from 'node:module';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { describe, expect, it } from 'vitest';
import { isPackageSource, ownSourcesOnly } from './source-map-trim.ts';

const ZOD = '../../node_modules/zod/v4/core/core.js';
const OURS = '../../src/api/http.ts';
const SDK = '../../node_modules/@aws-sdk/core/dist-es/index.js';
const DOMAIN = '../../src/domain/money.ts';

// One generated line: zod, ours, the SDK, zod again, ours (another file), then a segment with no source.
const map = {
  file: 'index.mjs',
  sourceRoot: '',
  sourcesContent: [],
  version: 3,
  sources: [ZOD, OURS, SDK, DOMAIN],
  names: ['parse', 'buildRequest', 'send', 'addMinor'],
  mappings: encode([
    [
      [0, 0, 5, 0, 0],
      [10, 1, 20, 2, 1],
      [20, 2, 7, 0],
      [25, 2, 8, 0, 2],
      [30, 0, 1, 1],
      [40, 3, 21, 4, 3],
      [50],
    ],
    [
      [0, 1, 30, 0],
      [8, 2, 9, 0],
    ],
  ]),
};
const trimmed = JSON.parse(ownSourcesOnly(JSON.stringify(map)));
const node = new SourceMap(trimmed);
const at = (line: number, column: number) => node.findEntry(line, column) as { originalSource?: string };

describe('a source map trimmed to our sources', () => {
  it("keeps our sources and their names, and drops the packages'", () => {
    expect(trimmed.sources).toEqual([OURS, DOMAIN]);
    expect(trimmed.names).toEqual(['buildRequest', 'addMinor']);
    expect(trimmed.version).toBe(3);
    expect(decode(trimmed.mappings)).toEqual([
      // A line starts unmapped: zod's first segment needs no end; each run of package code gets one.
      [[10, 0, 20, 2, 0], [20], [40, 1, 21, 4, 1], [50]],
      [[0, 0, 30, 0], [8]],
      // The `;` Node's reader needs after a last segment with no source.
      [],
    ]);
  });

  it('maps our code where the full map did, and package code to nothing, on the same line', () => {
    const full = new SourceMap(map);
    for (const [line, column] of [
      [0, 12],
      [0, 45],
      [1, 3],
    ] as const) {
      expect(at(line, column)).toEqual(full.findEntry(line, column));
      expect(at(line, column).originalSource).toMatch(/src\/(api|domain)\//);
    }
    // The SDK and zod after ours: not named as a line of ours.
    for (const [line, column] of [
      [0, 2],
      [0, 22],
      [0, 27],
      [0, 33],
      [0, 55],
      [1, 9],
    ] as const)
      expect(at(line, column).originalSource, `${line}:${column}`).toBeUndefined();
  });

  it('tells a package path from ours', () => {
    expect(isPackageSource(ZOD)).toBe(true);
    expect(isPackageSource('node_modules/x/y.js')).toBe(true);
    expect(isPackageSource(OURS)).toBe(false);
    expect(isPackageSource('../../src/node_modules_like/x.ts')).toBe(false);
  });
});
