import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A test certificate authority and a certificate for localhost / 127.0.0.1, made once with openssl.
 * NODE_EXTRA_CA_CERTS is set before the test workers start, so every Node process the suite runs
 * (Gatehouse's CIMD fetcher, MCP SDK clients) trusts documents served over HTTPS by the tests — the
 * same mechanism an operator uses for a private CA.
 */
export const TEST_CA_DIR = join(import.meta.dirname, '..', '.tmp', 'test-ca');

export default function setup(): void {
  const dir = TEST_CA_DIR;
  const ca = join(dir, 'ca.pem');
  if (!existsSync(join(dir, 'localhost.pem'))) {
    mkdirSync(dir, { recursive: true });
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca-key.pem',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-subj',
      '/CN=Gatehouse test CA',
    );
    writeFileSync(
      join(dir, 'ext.cnf'),
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n',
    );
    run(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'localhost-key.pem',
      '-out',
      'localhost.csr',
      '-subj',
      '/CN=localhost',
    );
    run(
      'x509',
      '-req',
      '-in',
      'localhost.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'localhost.pem',
      '-days',
      '3650',
      '-extfile',
      'ext.cnf',
    );
  }
  // Added to, never replacing, the CAs the machine already adds: where the npm registry is reached
  // through a TLS-inspecting proxy, NODE_EXTRA_CA_CERTS names its CA, and child processes that run npm
  // (the embedding snippets under Node 24) need it as much as the test CA.
  const inherited = process.env['NODE_EXTRA_CA_CERTS'];
  if (inherited && inherited !== ca && existsSync(inherited)) {
    const bundle = join(dir, 'bundle.pem');
    const staging = `${bundle}.${process.pid}`;
    writeFileSync(staging, `${readFileSync(ca, 'utf8')}\n${readFileSync(inherited, 'utf8')}`);
    renameSync(staging, bundle);
    process.env['NODE_EXTRA_CA_CERTS'] = bundle;
  } else {
    process.env['NODE_EXTRA_CA_CERTS'] = ca;
  }
}
