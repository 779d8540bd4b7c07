import { connect } from 'node:net';

/**
 * HTTP/1.1 over a raw socket, for fuzzing: the request goes out byte for byte as built (invalid UTF-8,
 * duplicated headers, odd methods), which fetch and undici would refuse or normalise. One request per
 * connection (`Connection: close`), so the response ends when the server closes the socket.
 */

export interface RawRequest {
  method: string;
  /** The request-target, sent as is (may hold any bytes). */
  target: Buffer | string;
  /** Header lines in order; a name may repeat. */
  headers: [string, Buffer | string][];
  body?: Buffer;
  /** Send the body with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", " (set-cookie kept apart in setCookies). */
  headers: Map<string, string>;
  body: Buffer;
  ms: number;
}

export class NoResponse extends Error {}

/** Serialises a request: request line, headers, then the body (chunked or with its length). */
export function encodeRequest(host: string, request: RawRequest): Buffer {
  const lines: Buffer[] = [
    Buffer.from(`${request.method} `),
    Buffer.from(request.target),
    Buffer.from(' HTTP/1.1\r\n'),
  ];
  const header = (name: string, value: Buffer | string) =>
    lines.push(Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n'));
  header('host', host);
  for (const [name, value] of request.headers) header(name, value);
  header('connection', 'close');
  const body = request.body;
  if (body && request.chunked) {
    header('transfer-encoding', 'chunked');
    lines.push(Buffer.from('\r\n'));
    for (let i = 0; i < body.length; i += 4096) {
      const chunk = body.subarray(i, i + 4096);
      lines.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
    }
    lines.push(Buffer.from('0\r\n\r\n'));
  } else {
    if (body) header('content-length', String(body.length));
    lines.push(Buffer.from('\r\n'));
    if (body) lines.push(body);
  }
  return Buffer.concat(lines);
}

/** Sends `request` to 127.0.0.1:`port` and reads the whole response; rejects after `timeoutMs`. */
export function sendRaw(port: number, request: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const started = performance.now();
  const bytes = encodeRequest(`127.0.0.1:${port}`, request);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new NoResponse(`no complete response within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may answer (e.g. 413) and close before the whole body is written.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      try {
        resolve({ ...parseResponse(raw, request.method === 'HEAD'), ms: performance.now() - started });
      } catch (error) {
        reject(new NoResponse(`unreadable response (${raw.length} bytes): ${(error as Error).message}`));
      }
    });
    // No half-close: Node's server drops a connection whose client ended it before a slow response.
    socket.write(bytes);
  });
}

function parseResponse(raw: Buffer, head: boolean): Omit<RawResponse, 'ms'> {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('no header section');
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine!);
  if (!status) throw new Error(`bad status line ${statusLine}`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  let body = head ? Buffer.alloc(0) : raw.subarray(end + 4);
  if (!head && /chunked/i.test(headers.get('transfer-encoding') ?? '')) body = dechunk(body);
  return { status: Number(status[1]), headers, body };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) throw new Error('truncated chunked body');
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw new Error('bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
