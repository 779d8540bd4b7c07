import { createServer, type Server, type Socket } from 'node:net';

/**
 * A tiny SMTP server (RFC 5321) on node:net for tests: EHLO, AUTH PLAIN/LOGIN (RFC 4954), MAIL, RCPT,
 * DATA, RSET, NOOP, QUIT; every accepted message is recorded as sent, with the credentials used. No
 * TLS (it does not offer STARTTLS, so a client speaks plain SMTP to it). `rejectAuth` answers 535 to
 * every login, to see how a client reports a refused password.
 */

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as sent (headers and body), dot-unstuffed. */
  data: string;
  auth: { user: string; pass: string } | undefined;
}

export interface SmtpServer {
  port: number;
  messages: ReceivedMail[];
  /** Logins seen, accepted or not. */
  logins: { user: string; pass: string }[];
  close(): Promise<void>;
}

type Session = {
  auth?: { user: string; pass: string };
  from?: string;
  to: string[];
  data?: string[];
  login?: { step: 'user' | 'pass'; user?: string };
};

function decodePlain(b64: string): { user: string; pass: string } {
  const [, user = '', pass = ''] = Buffer.from(b64, 'base64').toString('utf8').split('\0');
  return { user, pass };
}

export async function startSmtpServer(options: { rejectAuth?: boolean } = {}): Promise<SmtpServer> {
  const messages: ReceivedMail[] = [];
  const logins: { user: string; pass: string }[] = [];
  const sockets = new Set<Socket>();

  const login = (socket: Socket, s: Session, credentials: { user: string; pass: string }) => {
    logins.push(credentials);
    if (options.rejectAuth) return socket.write('535 5.7.8 Authentication credentials invalid\r\n');
    s.auth = credentials;
    socket.write('235 2.7.0 Authentication successful\r\n');
  };

  const command = (socket: Socket, s: Session, line: string) => {
    if (s.data) {
      if (line !== '.') return void s.data.push(line.startsWith('..') ? line.slice(1) : line);
      messages.push({ from: s.from ?? '', to: s.to, data: s.data.join('\r\n'), auth: s.auth });
      Object.assign(s, { from: undefined, to: [], data: undefined });
      return void socket.write('250 2.0.0 Ok: queued\r\n');
    }
    if (s.login) {
      const value = Buffer.from(line, 'base64').toString('utf8');
      if (s.login.step === 'user') {
        s.login = { step: 'pass', user: value };
        return void socket.write(`334 ${Buffer.from('Password:').toString('base64')}\r\n`);
      }
      const user = s.login.user ?? '';
      s.login = undefined;
      return void login(socket, s, { user, pass: value });
    }
    const [verb = '', ...rest] = line.split(' ');
    const arg = rest.join(' ');
    switch (verb.toUpperCase()) {
      case 'EHLO':
        return void socket.write('250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
      case 'HELO':
        return void socket.write('250 localhost\r\n');
      case 'AUTH': {
        const [mechanism = '', initial] = arg.split(' ');
        if (mechanism.toUpperCase() === 'PLAIN' && initial)
          return void login(socket, s, decodePlain(initial));
        if (mechanism.toUpperCase() === 'LOGIN') {
          s.login = { step: 'user' };
          return void socket.write(`334 ${Buffer.from('Username:').toString('base64')}\r\n`);
        }
        return void socket.write('504 5.5.4 Unrecognized authentication type\r\n');
      }
      case 'MAIL':
        s.from = /<([^>]*)>/.exec(arg)?.[1] ?? '';
        return void socket.write('250 2.1.0 Ok\r\n');
      case 'RCPT':
        s.to.push(/<([^>]*)>/.exec(arg)?.[1] ?? '');
        return void socket.write('250 2.1.5 Ok\r\n');
      case 'DATA':
        s.data = [];
        return void socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
      case 'RSET':
        Object.assign(s, { from: undefined, to: [], data: undefined });
        return void socket.write('250 2.0.0 Ok\r\n');
      case 'NOOP':
        return void socket.write('250 2.0.0 Ok\r\n');
      case 'QUIT':
        socket.end('221 2.0.0 Bye\r\n');
        return;
      default:
        return void socket.write('502 5.5.2 Command not recognized\r\n');
    }
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const session: Session = { to: [] };
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        command(socket, session, line);
      }
    });
    socket.write('220 localhost ESMTP test\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    messages,
    logins,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The decoded text of a quoted-printable body part (RFC 2045 §6.7): soft breaks joined, =XX decoded. */
export function decodeQuotedPrintable(value: string): string {
  const bytes = value
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
