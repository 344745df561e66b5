/** infra/deep-imports.ts: named imports from the SDK's index modules, rewritten to the files that define them. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepenImports, type IndexMap, indexMap } from './deep-imports.ts';

const map: IndexMap = new Map([
  ['AwsJson1_0Protocol', ['/m/json/AwsJson1_0Protocol.js', 'AwsJson1_0Protocol']],
  ['AwsRestXmlProtocol', ['/m/xml/AwsRestXmlProtocol.js', 'AwsRestXmlProtocol']],
  ['JsonCodec', ['/s/json/JsonCodec.js', 'JsonCodec']],
  ['renamed', ['/s/x.js', 'original']],
]);
const maps = async (spec: string) => (spec === '@aws-sdk/core/protocols' ? map : undefined);

describe('deepenImports', () => {
  it('imports each name from the file that defines it, the others from the index as before', async () => {
    const source = [
      'import { AwsJson1_0Protocol, JsonCodec as Codec, notReExported } from "@aws-sdk/core/protocols";',
      "import { renamed } from '@aws-sdk/core/protocols'",
      'import { other } from "./local";',
      'import { v4 } from "@smithy/core/serde";',
      'export { AwsRestXmlProtocol } from "@aws-sdk/core/protocols";',
    ].join('\n');
    const { code, rewritten } = await deepenImports(source, maps);
    expect(rewritten).toBe(4);
    expect(code.split('\n')).toEqual([
      'import { AwsJson1_0Protocol } from "/m/json/AwsJson1_0Protocol.js";',
      'import { JsonCodec as Codec } from "/s/json/JsonCodec.js";',
      'import { notReExported } from "@aws-sdk/core/protocols";',
      'import { original as renamed } from "/s/x.js";',
      'import { other } from "./local";',
      'import { v4 } from "@smithy/core/serde";',
      'export { AwsRestXmlProtocol } from "/m/xml/AwsRestXmlProtocol.js";',
    ]);
  });

  it('never rewrites a statement in a comment, or one not at the start of its line', async () => {
    const source = [
      '// import { AwsJson1_0Protocol, JsonCodec } from "@aws-sdk/core/protocols";',
      ' * export { AwsRestXmlProtocol } from "@aws-sdk/core/protocols";',
      'const s = \'import { JsonCodec } from "@aws-sdk/core/protocols"\';',
    ].join('\n');
    expect(await deepenImports(source, maps)).toEqual({ code: source, rewritten: 0 });
  });

  it('leaves a module with nothing to rewrite as it is', async () => {
    const source =
      'import { v4 } from "@smithy/core/serde";\nimport { nope } from "@aws-sdk/core/protocols";\n';
    expect(await deepenImports(source, maps)).toEqual({ code: source, rewritten: 0 });
  });
});

describe('indexMap', () => {
  it('follows named re-exports, through other indexes, to the defining files; leaves out its own definitions and export *', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deep-imports-'));
    const files: Record<string, string> = {
      'outer.js': [
        'export { A } from "./a";',
        'export {\n  B as Bee,\n  C,\n} from "@smithy/core/inner";',
        'export * from "./star";',
        'export const own = 1;',
      ].join('\n'),
      'inner.js': 'export { B } from "./b";\nexport const C = 3;\n',
      'a.js': 'export const A = 1;',
      'b.js': 'export const B = 2;',
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const resolve = async (spec: string) =>
      spec === '@smithy/core/inner' ? join(dir, 'inner.js') : join(dir, `${spec.slice(2)}.js`);
    const m = await indexMap(join(dir, 'outer.js'), resolve, new Map());
    expect(Object.fromEntries(m)).toEqual({
      A: [join(dir, 'a.js'), 'A'],
      Bee: [join(dir, 'b.js'), 'B'],
    });
  });

  it('ends on a cycle of indexes, the names of the cycle left on the index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deep-imports-'));
    await writeFile(join(dir, 'x.js'), 'export { A } from "./a";\nexport { Y } from "@smithy/core/y";\n');
    await writeFile(join(dir, 'y.js'), 'export { A as Y } from "@smithy/core/x";\n');
    await writeFile(join(dir, 'a.js'), 'export const A = 1;');
    const resolve = async (spec: string) =>
      spec.startsWith('@smithy/core/')
        ? join(dir, `${spec.slice('@smithy/core/'.length)}.js`)
        : join(dir, `${spec.slice(2)}.js`);
    const m = await indexMap(join(dir, 'x.js'), resolve, new Map());
    expect(Object.fromEntries(m)).toEqual({ A: [join(dir, 'a.js'), 'A'] });
  });
});
