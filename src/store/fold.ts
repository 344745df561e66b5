/**
 * One action per item in a transaction: a movement's pieces may update one item twice (an account's
 * own update and its owner's daily counter, when the account carries the counter), which DynamoDB
 * refuses; `foldUpdates` makes them one. Apart from db.ts so that only the ledger's bundles carry it.
 */
import { itemKeyOf, type Piece } from './db.ts';

/** An update expression's SET and REMOVE actions (the only clauses this code writes). */
const actions = (expression: string): { set?: string; remove?: string } => {
  const m = /^\s*(?:SET\s+(.*?))?\s*(?:REMOVE\s+(.*?))?\s*$/s.exec(expression);
  if (!m || (!m[1] && !m[2])) throw new Error(`Cannot merge the update expression: ${expression}`);
  return { ...(m[1] ? { set: m[1] } : {}), ...(m[2] ? { remove: m[2] } : {}) };
};

/** Placeholders merged from two updates: the same placeholder must stand for the same thing. */
const union = (
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined => {
  if (!a || !b) return a ?? b;
  for (const [k, v] of Object.entries(b))
    if (k in a && JSON.stringify(a[k]) !== JSON.stringify(v))
      throw new Error(`Two updates of one item use ${k} for different things`);
  return { ...a, ...b };
};

/**
 * One transaction may act on an item only once: each Update piece on the item of an earlier Update
 * piece is folded into it (both actions, both conditions), keeping the earlier piece's name and place.
 * A cancellation reason of the folded piece is then the earlier piece's: its conditions failed, or
 * the other's. Pieces on distinct items are left as they are.
 */
export const foldUpdates = <N extends string>(pieces: readonly Piece<N>[]): Piece<N>[] => {
  const out: Piece<N>[] = [];
  const at = new Map<string, number>();
  for (const p of pieces) {
    const k = itemKeyOf(p.item);
    const table = (p.item.Put ?? p.item.Update ?? p.item.Delete ?? p.item.ConditionCheck)?.TableName;
    const id = k && `${table ?? ''}\u0000${k.pk}\u0000${k.sk}`;
    const i = id === undefined ? undefined : at.get(id);
    const first = i === undefined ? undefined : out[i];
    const a = first?.item.Update;
    const b = p.item.Update;
    if (i === undefined || !first || !a || !b) {
      if (id !== undefined && i === undefined) at.set(id, out.length);
      out.push(p);
      continue;
    }
    const x = actions(a.UpdateExpression ?? '');
    const y = actions(b.UpdateExpression ?? '');
    const set = [x.set, y.set].filter(Boolean).join(', ');
    const remove = [x.remove, y.remove].filter(Boolean).join(', ');
    const conditions = [a.ConditionExpression, b.ConditionExpression].filter(Boolean);
    const names = union(a.ExpressionAttributeNames, b.ExpressionAttributeNames);
    const values = union(a.ExpressionAttributeValues, b.ExpressionAttributeValues);
    out[i] = {
      name: first.name,
      item: {
        Update: {
          ...a,
          UpdateExpression: [set ? `SET ${set}` : '', remove ? `REMOVE ${remove}` : '']
            .filter(Boolean)
            .join(' '),
          ...(conditions.length
            ? { ConditionExpression: conditions.map((c) => `(${c})`).join(' AND ') }
            : {}),
          ...(names ? { ExpressionAttributeNames: names as Record<string, string> } : {}),
          ...(values ? { ExpressionAttributeValues: values } : {}),
        },
      },
    };
  }
  return out;
};
