/**
 * A bundle's source map with the mappings of our own sources only. Code from packages (a path with
 * `node_modules/`) maps to nothing, so `--enable-source-maps` leaves such a frame as a position in
 * the bundle, as it would without a map, and a cold start reads a map about a fifth the size
 * (`--enable-source-maps` parses the whole map as the module loads: about 12 ms of a DynamoDB
 * function's cold start here, against 2-3 ms for the map of our code alone).
 *
 * Each run of package code is ended by a segment with no source: without it, a lookup would take the
 * nearest mapped segment before it (minified code puts many modules on one line), and a frame in the
 * SDK would be named as a line of ours.
 */
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';

interface SourceMapV3 {
  version: number;
  sources: string[];
  names: string[];
  mappings: string;
  [field: string]: unknown;
}

/** The source is a package's, not ours. */
export const isPackageSource = (source: string): boolean => /(^|\/)node_modules\//.test(source);

export const ownSourcesOnly = (json: string): string => {
  const map = JSON.parse(json) as SourceMapV3;
  const sources: string[] = [];
  const names: string[] = [];
  const sourceAt = new Map<number, number>();
  const nameAt = new Map<number, number>();
  const index = (seen: Map<number, number>, into: string[], from: string[], i: number): number => {
    let j = seen.get(i);
    if (j === undefined) {
      j = into.push(from[i] as string) - 1;
      seen.set(i, j);
    }
    return j;
  };
  const lines = decode(map.mappings).map((line) => {
    const kept: SourceMapSegment[] = [];
    let mapped = false;
    for (const segment of line) {
      if (segment.length === 1 || isPackageSource(map.sources[segment[1]] ?? '')) {
        // The end of what the segment before maps (a line starts unmapped anyway).
        if (mapped) kept.push([segment[0]]);
        mapped = false;
        continue;
      }
      mapped = true;
      const [column, source, line, sourceColumn] = segment;
      const s = index(sourceAt, sources, map.sources, source);
      kept.push(
        segment.length === 5
          ? [column, s, line, sourceColumn, index(nameAt, names, map.names, segment[4])]
          : [column, s, line, sourceColumn],
      );
    }
    return kept;
  });
  // Node's reader takes a segment with no source only before a `,` or `;`: one that ends the mappings
  // is given a `;` after it (an empty line), or Node would read past it.
  const last = lines.at(-1)?.at(-1);
  const mappings = encode(lines) + (last?.length === 1 ? ';' : '');
  return JSON.stringify({ ...map, sources, names, mappings });
};
