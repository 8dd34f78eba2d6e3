// A tiny SMTP relay on a local socket that speaks just enough SMTP for nodemailer, recording every mail it takes.

import { createServer, type Server, type Socket } from 'node:net';

export interface Received {
  readonly helo: string;
  readonly from: string;
  readonly to: string[];
  readonly data: string;
  readonly auth: string | undefined;
}

/** A relay that accepts everything: greeting, EHLO (no STARTTLS offered), optional AUTH PLAIN, MAIL, RCPT, DATA, QUIT. */
export class TinyRelay {
  readonly received: Received[] = [];
  connections = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private readonly options: { readonly auth?: boolean; readonly reject?: boolean };

  constructor(options: { readonly auth?: boolean; readonly reject?: boolean } = {}) {
    this.options = options;
    this.server = createServer((socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      this.converse(socket);
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private converse(socket: Socket): void {
    const say = (line: string): void => {
      socket.write(`${line}\r\n`);
    };
    let buffer = '';
    let inData = false;
    let mail = { helo: '', from: '', to: [] as string[], data: '', auth: undefined as string | undefined };
    say('220 relay.test ESMTP TinyRelay');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          mail.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          this.received.push(mail);
          mail = { helo: mail.helo, from: '', to: [], data: '', auth: mail.auth };
          say('250 2.0.0 queued');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.split(' ')[0]?.toUpperCase() ?? '';
        if (verb === 'EHLO' || verb === 'HELO') {
          mail.helo = line.slice(5);
          if (this.options.auth === true) {
            say('250-relay.test');
            say('250 AUTH PLAIN');
          } else say('250 relay.test');
        } else if (verb === 'AUTH') {
          mail.auth = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString('utf8');
          say('235 2.7.0 Authentication successful');
        } else if (verb === 'MAIL') {
          if (this.options.reject === true) say('550 5.7.1 Relaying denied');
          else {
            mail.from = /<(.*)>/.exec(line)?.[1] ?? '';
            say('250 2.1.0 OK');
          }
        } else if (verb === 'RCPT') {
          mail.to.push(/<(.*)>/.exec(line)?.[1] ?? '');
          say('250 2.1.5 OK');
        } else if (verb === 'DATA') {
          inData = true;
          say('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'RSET' || verb === 'NOOP') say('250 OK');
        else if (verb === 'QUIT') {
          say('221 2.0.0 Bye');
          socket.end();
        } else say('502 5.5.2 Command not recognised');
      }
    });
  }
}
