/**
 * Message framing on a sync socket: a 4-byte big-endian length, then that
 * many bytes of UTF-8 JSON. One request, one response, in order.
 */
import type { Duplex } from 'node:stream';
import { HarborError } from '../../../src-shared/errors';

export const MAX_FRAME = 64 * 1024 * 1024;

export type Message = { t: string; [key: string]: unknown };

export class FramedSocket {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly queue: Message[] = [];
  private waiter: { resolve: (m: Message) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(readonly socket: Duplex) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new HarborError('CONFLICT', 'sync.errors.connection_closed')));
  }

  send(message: Message): void {
    const body = Buffer.from(JSON.stringify(message));
    if (body.length > MAX_FRAME) throw new Error('frame too large');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    this.socket.write(Buffer.concat([head, body]));
  }

  next(timeoutMs = 60_000): Promise<Message> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new HarborError('CONFLICT', 'sync.errors.timeout'));
        this.socket.destroy();
      }, timeoutMs);
      this.waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Sends a request and waits for its answer; an `error` answer becomes a HarborError. */
  async request(message: Message, timeoutMs?: number): Promise<Message> {
    this.send(message);
    const answer = await this.next(timeoutMs);
    if (answer.t === 'error') {
      throw new HarborError('CONFLICT', String(answer.messageKey ?? 'errors.INTERNAL'), answer.params as Record<string, string | number> | undefined);
    }
    return answer;
  }

  close(): void {
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (length > MAX_FRAME) {
        this.fail(new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch'));
        this.socket.destroy();
        return;
      }
      if (this.buffer.length < 4 + length) return;
      const body = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      let message: Message;
      try {
        message = JSON.parse(body.toString('utf8')) as Message;
        if (typeof message !== 'object' || message === null || typeof message.t !== 'string') throw new Error('bad frame');
      } catch {
        this.fail(new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch'));
        this.socket.destroy();
        return;
      }
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w.resolve(message);
      } else this.queue.push(message);
    }
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(this.failure);
    }
  }
}
