import { BankError, type ErrorCode, errorCatalog, type FieldError } from '../domain/errors.ts';

/** An RFC 9457 problem document. `code` is the stable, machine-readable part. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemType = (code: ErrorCode): string => `https://docs.serverless-bank.dev/problems/${code}`;

export const problemOf = (e: BankError): ProblemBody => ({
  type: problemType(e.code),
  title: errorCatalog[e.code].title,
  status: e.status,
  detail: e.detail,
  code: e.code,
  ...(e.errors ? { errors: e.errors } : {}),
});

export const problem = (code: ErrorCode, detail?: string, errors?: FieldError[]): ProblemBody =>
  problemOf(new BankError(code, detail, errors ? { errors } : {}));
