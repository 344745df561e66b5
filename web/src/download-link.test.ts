import { describe, expect, it } from 'vitest';
import { safeDownloadUrl } from './download-link.ts';

describe('a download link from the API', () => {
  it('is followed as given when https, or http on this machine', () => {
    for (const url of [
      'https://bank-statements.s3.eu-west-1.amazonaws.com/a/2027-01.pdf?X-Amz-Signature=ab%2Fcd&X-Amz-Expires=300',
      'http://127.0.0.1:4569/statements/a.csv?sig=1',
      'http://localhost:4569/statements/a.csv',
      'http://[::1]:4569/statements/a.csv',
      'HTTPS://example.com/x',
    ])
      expect(safeDownloadUrl(url), url).toBe(url);
  });

  it('is not followed anywhere else', () => {
    for (const url of [
      'javascript:alert(document.cookie)',
      ' javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'http://example.com/statement.pdf',
      'http://127.0.0.2/statement.pdf',
      'http://localhost.example.com/statement.pdf',
      'ftp://127.0.0.1/statement.pdf',
      'file:///etc/passwd',
      '//evil.example.com/x',
      '/v1/accounts/a/statements/2027-01',
      '',
    ])
      expect(safeDownloadUrl(url), url).toBeUndefined();
    expect(safeDownloadUrl(undefined)).toBeUndefined();
    expect(safeDownloadUrl({ href: 'https://example.com' })).toBeUndefined();
  });
});
