/**
 * Port forwarding (portforward.k8s.io) over a SPDY/3.1 session: kubectl opens, per connection, an
 * `error` stream and a `data` stream with headers `streamtype`, `port` and `requestid`; the kubelet
 * answers each SYN_STREAM with a SYN_REPLY, connects to the pod's IP on that port and copies bytes
 * both ways on the data stream; a failure is written on the error stream. Both streams are closed
 * (FIN) when the connection ends.
 */
import { connect, type Socket } from 'node:net';
import { FLAG_FIN, FrameParser, HeaderCodec, TYPE, controlFrame, dataFrame } from './spdy.js';

interface Pair {
  error?: number;
  data?: number;
  port: number;
  socket?: Socket;
}

export interface PortForwardOptions {
  podIP: string;
  podUid: string;
  /** Write bytes to the client (raw socket or one WebSocket binary message). */
  send: (b: Buffer) => void;
  close: () => void;
  log?: (msg: string) => void;
}

export class PortForwardSession {
  private readonly parser = new FrameParser();
  private readonly codec = new HeaderCodec();
  private readonly pairs = new Map<string, Pair>();
  private readonly byStream = new Map<number, { pair: Pair; kind: 'error' | 'data' }>();
  private closed = false;
  private work: Promise<void> = Promise.resolve();

  constructor(private readonly o: PortForwardOptions) {}

  /** Bytes from the client. */
  receive(chunk: Buffer): void {
    for (const f of this.parser.push(chunk)) {
      this.work = this.work.then(() => this.handle(f)).catch((e: unknown) => {
        this.o.log?.(`port-forward: ${(e as Error).message}`);
        this.shutdown();
      });
    }
  }

  private async handle(f: ReturnType<FrameParser['push']>[number]): Promise<void> {
    if (this.closed) return;
    if (!f.control) {
      const s = this.byStream.get(f.streamId);
      if (s?.kind === 'data' && s.pair.socket) {
        if (f.data.length) s.pair.socket.write(f.data);
        if (f.flags & FLAG_FIN) s.pair.socket.end();
      }
      return;
    }
    switch (f.type) {
      case TYPE.SYN_STREAM: {
        const streamId = f.data.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.codec.decode(f.data.subarray(10));
        const reply = Buffer.concat([Buffer.alloc(4), await this.codec.encode({})]);
        reply.writeUInt32BE(streamId, 0);
        this.o.send(controlFrame(TYPE.SYN_REPLY, 0, reply));
        const requestId = headers.requestid ?? String(streamId);
        const port = Number(headers.port);
        const pair = this.pairs.get(requestId) ?? { port };
        this.pairs.set(requestId, pair);
        const kind = headers.streamtype === 'error' ? 'error' : 'data';
        pair[kind] = streamId;
        this.byStream.set(streamId, { pair, kind });
        if (kind === 'data') this.forward(pair);
        return;
      }
      case TYPE.PING:
        this.o.send(controlFrame(TYPE.PING, 0, f.data));
        return;
      case TYPE.RST_STREAM: {
        const s = this.byStream.get(f.data.readUInt32BE(0) & 0x7fffffff);
        s?.pair.socket?.destroy();
        return;
      }
      case TYPE.GOAWAY:
        this.shutdown();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do
    }
  }

  private forward(pair: Pair): void {
    const sock = connect({ host: this.o.podIP, port: pair.port });
    pair.socket = sock;
    const fin = (id: number | undefined) => {
      if (id !== undefined && !this.closed) this.o.send(dataFrame(id, FLAG_FIN, Buffer.alloc(0)));
    };
    sock.on('data', (d: Buffer) => {
      if (!this.closed && pair.data !== undefined) this.o.send(dataFrame(pair.data, 0, d));
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      fin(pair.data);
      fin(pair.error);
    };
    sock.on('end', end);
    sock.on('close', end);
    sock.on('error', (e) => {
      if (pair.error !== undefined && !this.closed) {
        this.o.send(dataFrame(pair.error, 0, Buffer.from(`error forwarding port ${pair.port} to pod ${this.o.podUid}, uid : ${e.message}`)));
      }
      end();
    });
  }

  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pairs.values()) p.socket?.destroy();
    this.codec.close();
    this.o.close();
  }
}
