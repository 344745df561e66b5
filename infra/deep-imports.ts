/**
 * The AWS SDK's modules import each other through index modules that only re-export
 * (`@aws-sdk/core/protocols`, `@smithy/core/serde`...). In a bundle split into chunks (esbuild's
 * `splitting`: `statement-files`), esbuild puts every module that both the entry and a lazy chunk reach
 * into a chunk the entry loads, and it counts a module as reached when an index reaches it, used or
 * not: the DynamoDB client's import of `AwsJson1_0Protocol` from `@aws-sdk/core/protocols` made the
 * S3 client's XML protocol, reached through the same index, part of every cold start.
 *
 * This plugin rewrites, in the SDK's own modules and ours, each named import (or re-export) from such
 * an index into imports from the files that define the names, as the index itself names them, so that
 * a module is reached only by what uses it. Names an index does not re-export by name (its own
 * definitions, or an `export *`) are still imported from it. Modules are still evaluated once each,
 * but in another order: a name's module when its importer asks for it, not when the index is
 * evaluated, and an index's other re-exports only if something uses them. That holds for the SDK
 * because its packages declare no side effects there (`sideEffects: false` in `@smithy/core`; in
 * `@aws-sdk/core`, only a module the clients import by name); infra/bundling.test.ts runs the split
 * bundle (a statement PDF made, written and linked). Only statements at the start of a line are
 * rewritten (the SDK's and ours all are), never one in a comment.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Plugin, PluginBuild } from 'esbuild';

/** An index module's specifier, as the SDK's modules import it. */
export const INDEX_SPECIFIER = /^@(?:aws-sdk|smithy)\/core\/[\w-]+$/;
/** A named import or re-export from an index: `import { a, b as c } from "@smithy/core/serde";`. */
const NAMED_FROM_INDEX =
  /^(import|export)\s*\{([^}]*)\}\s*from\s*["'](@(?:aws-sdk|smithy)\/core\/[\w-]+)["'][ \t]*;?/gm;
/** A named re-export in an index: `export { a, b as c } from "./x";`. */
const RE_EXPORT = /^export\s*\{([^}]*)\}\s*from\s*["']([^"']+)["'][ \t]*;?/gm;
/** The modules whose imports are rewritten: the SDK's ES module builds, and our own sources. */
export const REWRITTEN =
  /(?:[\\/]node_modules[\\/]@(?:aws-sdk|smithy)[\\/][^\\/]+[\\/]dist-es[\\/].+\.js|[\\/]src[\\/].+\.ts)$/;

/** `a`, `b as c` -> [imported name, local name]. */
const bindings = (list: string): [string, string][] =>
  list
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '')
    .map((b) => {
      const [name, as] = b.split(/\s+as\s+/);
      return [name as string, (as ?? name) as string];
    });

/** Where each name an index re-exports by name is defined: name -> [file, its name there]. */
export type IndexMap = Map<string, [string, string]>;

/**
 * The index's re-exports by name, each followed to the file that defines it (through other indexes).
 * `resolve` gives a specifier's file as the build resolves it from a directory. An index met again
 * while its own map is being made (a cycle of indexes) gives nothing: its names stay on the index.
 */
export const indexMap = async (
  file: string,
  resolve: (spec: string, dir: string) => Promise<string | undefined>,
  cache: Map<string, Promise<IndexMap>>,
  making: ReadonlySet<string> = new Set(),
): Promise<IndexMap> => {
  if (making.has(file)) return new Map();
  const known = cache.get(file);
  if (known) return known;
  const made = (async () => {
    const map: IndexMap = new Map();
    const source = await readFile(file, 'utf8');
    for (const [, list, spec] of source.matchAll(RE_EXPORT)) {
      const target = await resolve(spec as string, dirname(file));
      if (!target) continue;
      const inner = INDEX_SPECIFIER.test(spec as string)
        ? await indexMap(target, resolve, cache, new Set([...making, file]))
        : undefined;
      for (const [name, exported] of bindings(list as string)) {
        const there = inner?.get(name);
        if (there) map.set(exported, there);
        else if (!inner) map.set(exported, [target, name]);
      }
    }
    return map;
  })();
  cache.set(file, made);
  return made;
};

/**
 * The module's source with its named imports and re-exports from indexes rewritten to the files that
 * define the names; `maps` gives an index specifier's map. Unchanged when there are none.
 */
export const deepenImports = async (
  source: string,
  maps: (spec: string) => Promise<IndexMap | undefined>,
): Promise<{ code: string; rewritten: number }> => {
  let rewritten = 0;
  const parts: string[] = [];
  let last = 0;
  for (const m of source.matchAll(NAMED_FROM_INDEX)) {
    const [whole, kind, list, spec] = m as unknown as [string, string, string, string];
    const map = await maps(spec);
    if (!map) continue;
    const byFile = new Map<string, string[]>();
    const left: string[] = [];
    for (const [name, local] of bindings(list)) {
      const there = map.get(name);
      if (!there) {
        left.push(name === local ? name : `${name} as ${local}`);
        continue;
      }
      const [file, original] = there;
      byFile.set(file, [...(byFile.get(file) ?? []), original === local ? local : `${original} as ${local}`]);
      rewritten++;
    }
    if (byFile.size === 0) continue;
    const statements = [...byFile].map(
      ([file, names]) => `${kind} { ${names.join(', ')} } from ${JSON.stringify(file)};`,
    );
    if (left.length > 0) statements.push(`${kind} { ${left.join(', ')} } from "${spec}";`);
    parts.push(source.slice(last, m.index), statements.join('\n'));
    last = (m.index as number) + whole.length;
  }
  parts.push(source.slice(last));
  return { code: parts.join(''), rewritten };
};

/** `deepenImports` on every SDK module of the build (see the top of this module). */
export const deepImports: Plugin = {
  name: 'sdk-deep-imports',
  setup(build: PluginBuild) {
    const cache = new Map<string, Promise<IndexMap>>();
    const resolve = async (spec: string, dir: string) => {
      const r = await build.resolve(spec, { kind: 'import-statement', resolveDir: dir });
      return r.errors.length === 0 && !r.external ? r.path : undefined;
    };
    build.onLoad({ filter: REWRITTEN }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const maps = async (spec: string) => {
        const index = await resolve(spec, dirname(args.path));
        return index ? indexMap(index, resolve, cache) : undefined;
      };
      const { code, rewritten } = await deepenImports(source, maps);
      const loader = args.path.endsWith('.ts') ? 'ts' : 'js';
      return rewritten > 0 ? { contents: code, loader, resolveDir: dirname(args.path) } : undefined;
    });
  },
};
