/**
 * Stands in for `@pdf-lib/upng` in the Lambda bundles only (an esbuild alias in infra/bundling.ts).
 * pdf-lib decodes PNG images with UPNG (24 KB minified) in `embedPng` alone, and a statement
 * (src/domain/statement-pdf.ts) embeds no image. A PNG embedded after all fails loudly, naming this
 * file, rather than at a customer's download: infra/standard-fonts.test.ts renders a statement
 * through the bundle, and infra/upng-left-out.test.ts shows `embedPng` refused. Offline (tsx, not
 * bundled) pdf-lib keeps the real package.
 */
const refused = (name: string | symbol): never => {
  throw new Error(
    `PNG images are left out of the Lambda bundles (UPNG.${String(name)}): remove the alias in infra/upng-left-out.ts to embed one`,
  );
};

// A symbol or `then` (inspecting or awaiting the object) is not a use of UPNG: undefined, as for any object.
const UPNG: Record<string, unknown> = new Proxy(
  {},
  { get: (_, name) => (typeof name === 'symbol' || name === 'then' ? undefined : refused(name)) },
);

export default UPNG;
