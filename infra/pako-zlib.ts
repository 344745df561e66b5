/**
 * Stands in for `pako` in the Lambda bundles only (an esbuild alias in infra/bundling.ts). pako is a
 * JavaScript port of zlib (45 KB minified); Node has zlib itself, native and faster. pdf-lib and its
 * font package call two of pako's functions: `deflate` (pdf-lib's content and font streams) and
 * `inflate` (the standard fonts' compressed metrics); its PNG package, which calls pako too, is left
 * out of the bundles (infra/upng-left-out.ts). Both are zlib's own format (RFC 1950), so node:zlib
 * reads what pako writes and pako reads what node:zlib writes, though the two need not compress to
 * the same bytes (a PDF reader inflates either). Any other pako function a
 * dependency might call throws, naming this file. infra/pako-zlib.test.ts compares both with pako,
 * and infra/standard-fonts.test.ts renders a statement through the bundle and offline. Offline (tsx,
 * not bundled) the packages keep the real pako.
 */
import { deflateSync, inflateSync } from 'node:zlib';

/** pako's options that a caller may pass here: only the compression level. */
interface Options {
  level?: number;
}

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** An option pako has and this stand-in does not (raw streams, window bits, strings) is refused. */
const levelOnly = (options: Options): Options => {
  const other = Object.keys(options).filter((k) => k !== 'level');
  if (other.length > 0)
    throw new Error(
      `pako option ${other.join(', ')} is not in the Lambda bundles' stand-in: infra/pako-zlib.ts`,
    );
  return options;
};

/** pako.deflate: zlib-wrapped deflate at zlib's default level (6), as pako's default is. */
export const deflate = (data: Uint8Array | ArrayBuffer, options: Options = {}): Uint8Array =>
  bytes(deflateSync(data, { level: levelOnly(options).level ?? 6 }));

/** pako.inflate: a zlib-wrapped stream's bytes. */
export const inflate = (data: Uint8Array | ArrayBuffer, options: Options = {}): Uint8Array => {
  if (levelOnly(options).level !== undefined) throw new Error('pako.inflate takes no level');
  return bytes(inflateSync(data));
};

const pako = new Proxy(
  { deflate, inflate },
  {
    get(target, name) {
      if (Object.hasOwn(target, name)) return target[name as keyof typeof target];
      if (typeof name === 'symbol' || name === 'then') return undefined;
      throw new Error(`pako.${name} is not in the Lambda bundles' stand-in: add it to infra/pako-zlib.ts`);
    },
  },
);

export default pako;
