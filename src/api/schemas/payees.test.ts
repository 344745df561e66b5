import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../openapi.ts';
import { routes } from '../routes.ts';

type Schema = { $ref?: string; properties?: Record<string, Schema>; items?: Schema; description?: string };
const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
};
const resolve = (s: Schema | undefined): Schema | undefined =>
  s?.$ref ? doc.components.schemas[s.$ref.replace('#/components/schemas/', '')] : s;
const answer = (path: string, method: string, status: string) =>
  resolve(doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema);

describe('the OpenAPI document of payees', () => {
  it('lists saved payees without the holder’s name, which is not kept with them', () => {
    const list = answer(routes.listPayees.path, 'get', '200');
    const item = resolve(list?.properties?.items?.items);
    expect(Object.keys(item?.properties ?? {}).sort()).toEqual(
      ['accountNumber', 'createdAt', 'id', 'match', 'name'].sort(),
    );
  });

  it('says the holder’s name is in the saving’s answer alone, never read back', () => {
    const created = answer(routes.createPayee.path, 'post', '201');
    const holderName = created?.properties?.holderName?.description ?? '';
    expect(holderName).toContain('Only in the answer to the payee\u2019s saving (POST /v1/payees)');
    expect(holderName).toContain('GET /v1/payees/{id} and the list never have it');
    // GET /v1/payees/{id} has the list's fields or the creation's schema, whose words say so.
    const one = answer(routes.getPayee.path, 'get', '200');
    if (one?.properties?.holderName) expect(one.properties.holderName.description).toBe(holderName);
  });

  it('says a check names the holder only for a close match with every word of the name', () => {
    const check = answer(routes.checkPayee.path, 'post', '200');
    expect(check?.properties?.name?.description).toContain('never for initials or a word left out');
  });
});
