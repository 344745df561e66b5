/**
 * The API's zod schemas, by area, in the modules of this folder: request validation at the edge, and
 * the source of the OpenAPI document. This one holds what every area shares: the documentation helper,
 * texts, amounts, ids, instants, paging and the Idempotency-Key header.
 *
 * One module per area because a schema defined at a module's top level is kept by the bundler whenever
 * its module is imported (`doc` registers it: a side effect), used or not: each function's route table
 * (src/api/routes/<function>.ts) imports only the areas it serves, never the barrel src/api/schemas.ts.
 *
 * Written with `zod/mini` (the functional API of the same zod 4 package): classic zod's methods pull
 * nearly all of zod into every Lambda bundle (~90 KB), mini's tree-shaken functions ~28 KB. Same
 * validation core, same issues and messages. Documentation metadata goes in `z.globalRegistry`
 * (`.register(...)` instead of classic `.meta(...)`); an `id` makes a named OpenAPI component.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { isWellFormedAccountNumber } from '../../domain/luhn.ts';
import { currencyCodes, MAX_AMOUNT } from '../../domain/money.ts';
import { UNSAFE_TEXT } from '../../domain/text.ts';

// Classic zod installs the English messages on import; mini leaves that to us (else: "Invalid input").
z.config(en());

/**
 * Documentation for a schema: `id` names an OpenAPI component. A schema documented already (a shared
 * one such as `Id` or `Instant`, given a description where it is used) is documented as a copy that
 * inherits its metadata: registering the shared schema itself again would replace its documentation
 * everywhere it is used, with whichever module happened to be evaluated last.
 */
export const doc = <S extends z.ZodMiniType>(schema: S, meta: z.core.GlobalMeta): S => {
  const documented = z.globalRegistry.has(schema) ? (schema.clone() as S) : schema;
  z.globalRegistry.add(documented as z.ZodMiniType, meta);
  return documented;
};

export const wellFormed = () => z.refine<string>((s) => s.isWellFormed(), 'must be valid unicode text');

/** A user-supplied text: no control or bidi characters, well-formed UTF-16. */
export const safeText = (max: number) =>
  z.string().check(
    z.maxLength(max),
    wellFormed(),
    z.refine<string>((s) => !UNSAFE_TEXT.test(s), 'must not contain control characters'),
  );

/** A safe text of 1 to `max` characters after trimming (the length limit applies before trimming). */
export const name = (max: number) => safeText(max).check(z.trim(), z.minLength(1));

/** A response string and its bound (documentation: responses are not validated at run time). */
export const str = (max: number) => z.string().check(z.maxLength(max));

export const Amount = doc(z.int().check(z.minimum(1), z.maximum(MAX_AMOUNT)), {
  description: 'Integer minor units (cents)',
  example: 1250,
});

export const CurrencyCode = doc(z.enum(currencyCodes), { description: 'ISO 4217', example: 'USD' });
/** A UUID, matched case-insensitively: upper-case input is lower-cased (ids are stored lower-case). */
export const Id = doc(z.uuid().check(z.maxLength(36), z.toLowerCase()), {
  example: '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11',
});
/**
 * 10 digits whose last is the Luhn check digit of the first nine (src/domain/luhn.ts): a mistyped
 * digit is refused here (400), before any look-up, so it never costs one of the customer's
 * account-number checks (src/store/rate-counter.ts) nor answers `recipient_not_found`.
 */
export const AccountNumber = doc(
  z
    .string()
    .check(
      z.maxLength(10),
      z.regex(/^\d{10}$/, 'must be 10 digits'),
      z.refine(isWellFormedAccountNumber, 'is not an account number: check its digits'),
    ),
  {
    description: '10 digits, the last a Luhn check digit',
    example: '4820193755',
  },
);
export const Description = safeText(140);
export const Instant = doc(z.iso.datetime({ offset: true }).check(z.maxLength(40)), {
  example: '2026-11-24T08:00:00.000Z',
});
export const CalendarDate = doc(
  z.string().check(z.maxLength(10), z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')),
  {
    description: 'A UTC calendar day',
    example: '2027-01-31',
  },
);

export const AccountParams = z.strictObject({ id: Id });
export const TransactionParams = z.strictObject({ id: Id });

export const digits = (min: number, max: number) =>
  z.pipe(
    z.pipe(
      z.string().check(z.maxLength(3), z.regex(/^\d{1,3}$/, 'must be an integer')),
      z.transform((s: string) => Number(s)),
    ),
    z.int().check(z.minimum(min), z.maximum(max)),
  );

/** A page's size, in a query string. */
export const PageLimit = doc(z.optional(digits(1, 100)), { description: '1 to 100, default 25' });
/** Where a page starts: the `nextCursor` of the page before. */
export const PageCursor = z.optional(z.string().check(z.maxLength(2048)));

/** The Idempotency-Key header: 1 to 255 printable ASCII characters. */
export const IdempotencyKey = doc(
  z.string().check(
    z.maxLength(255),
    z.regex(/^[\x20-\x7E]{1,255}$/, 'must be 1 to 255 printable ASCII characters'),
    // The scheduler pays each run with `sched:<schedule>:<date>` in its owner's keys (ledger-adapter.ts).
    z.refine((k) => !k.startsWith('sched:'), 'must not begin with "sched:" (the bank\u2019s own keys)'),
  ),
  {
    description:
      'Unique per request: a retry with the same key and body replays the result. A key that created a transaction names it for good (the replay shows the transaction as it stands); any other result is kept 48 hours by default',
  },
);
