import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { keepsValue, makeLogger } from '../../src/config/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: makeLogger({ level: 'info', destination }), lines };
}

describe('log redaction keeps fault codes and censors credentials', () => {
  it("an error's code, errno and syscall stay visible; an OAuth code anywhere else is censored", () => {
    const { log, lines } = capture();
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
    });
    log.error({ err: full, code: 'ghc_abc.s3cretpart', params: { code: 'ghc_def.s3cretpart2' } }, 'fault');
    log.error({ err: refused }, 'fault');
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first.err.code).toBe('SQLITE_FULL');
    expect(first.code).toBe('[redacted]');
    expect(first.params.code).toBe('[redacted]');
    expect(second.err).toMatchObject({ code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
    expect(lines.join('')).not.toContain('s3cretpart');
  });

  it('a top-level code, any other credential field, or a credential-shaped err.code is still censored', () => {
    expect(keepsValue('57P01', [null, 'code'])).toBe(true);
    expect(keepsValue('ghc_abc.def', [null, 'code'])).toBe(false);
    expect(keepsValue('ECONNREFUSED', ['code'])).toBe(false);
    expect(keepsValue('ECONNREFUSED', [null, 'secret'])).toBe(false);
    const { log, lines } = capture();
    log.error({ err: Object.assign(new Error('x'), { code: 'abc.lower-secret' }) }, 'fault');
    expect(JSON.parse(lines[0]!).err.code).toBe('[redacted]');
  });
});
