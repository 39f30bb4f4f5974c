/**
 * Discovery (DNS-SD, `_harbor-sync._tcp`) between two desktops, each in a
 * network namespace this test creates and joins with a veth pair; multicast
 * flows only on that pair, never on the host's own interfaces. The joined
 * desktop has forgotten where the first one listens: it finds it by
 * discovery alone, then syncs with it there.
 *
 * Needs root and `ip netns` (Linux). Where namespaces cannot be created the
 * test is skipped, and says why.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffice, writeMeta } from '../../../src-main/core/sync/identity';
import { joinOffice, SyncServer } from '../../../src-main/core/sync/tls';
import { makeTestCore, setUpOffice, userWithRole } from '../../helpers/core';
import { keepOnLoopback } from './helpers';

const tag = `hd${process.pid % 100_000}`;
const NS = { a: `${tag}a`, b: `${tag}b` };
const ADDR = { a: '10.231.7.1', b: '10.231.7.2' };

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** Creates both namespaces and the veth pair between them; returns why it could not, or null. */
function createNetwork(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  try {
    ip('netns', 'add', NS.a);
  } catch (error) {
    return `ip netns add is not permitted here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
  try {
    ip('netns', 'add', NS.b);
    // Created inside namespace A, the other end moved to B: nothing is ever attached to the host's network.
    ip('-n', NS.a, 'link', 'add', 'veth-a', 'type', 'veth', 'peer', 'name', 'veth-b', 'netns', NS.b);
    for (const side of ['a', 'b'] as const) {
      const ns = NS[side];
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${ADDR[side]}/24`, 'dev', `veth-${side}`);
      ip('-n', ns, 'link', 'set', `veth-${side}`, 'multicast', 'on', 'up');
      ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', `veth-${side}`);
    }
    return null;
  } catch (error) {
    removeNetwork();
    return `the namespaces' network could not be set up (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
}

function removeNetwork(): void {
  for (const ns of Object.values(NS)) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // never created
    }
  }
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
let unavailable: string | null = null;

beforeAll(() => {
  unavailable = createNetwork();
  if (unavailable) console.warn(`[discovery test skipped] ${unavailable}`);
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  removeNetwork();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the child desktop in a namespace; resolves each JSON line it prints. */
function desktop(ns: string, dir: string, ...args: string[]) {
  const env = { ...process.env };
  // The rest of the suite keeps multicast off (CI sets this); inside the namespaces it is the point.
  delete env.HARBOR_SYNC_DISCOVERY;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(__dirname, 'fixtures/discovery-child.ts'), dir, ...args], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const w of waiters.splice(0)) w();
  });
  const next = async (key: string, timeoutMs = 40_000): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.find((l) => key in l);
      if (found) return found;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${key}" from the desktop in ${ns}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { child, next };
}

describe('discovery between two desktops on their own network', () => {
  it('the joined desktop finds the first one by DNS-SD and syncs with it there', async (ctx) => {
    if (unavailable) ctx.skip(unavailable);
    // Paired beforehand over loopback, in this process; then both close.
    const a = makeTestCore();
    const b = makeTestCore();
    dirs.push(a.dir, b.dir);
    const token = await setUpOffice(a);
    createOffice(a.services.db, a.services.deviceId);
    keepOnLoopback(a.services.db);
    keepOnLoopback(b.services.db);
    const server = new SyncServer({ ctx: a.services, host: '127.0.0.1', port: 0, deviceName: () => 'A' });
    const port = await server.start();
    await joinOffice(b.services, { host: '127.0.0.1', port, code: server.openPairing().code, deviceName: 'B' });
    await server.stop();
    await userWithRole(a, token, 'sales_rep');
    const idA = a.services.deviceId;
    // Each listens on its veth address with discovery on; B no longer knows where A is.
    for (const [c, side] of [[a, 'a'], [b, 'b']] as const) {
      writeMeta(c.services.db, 'listen_host', ADDR[side]);
      writeMeta(c.services.db, 'discovery', null);
    }
    b.services.db.prepare('UPDATE sync_peers SET address = NULL').run();
    a.close();
    b.close();

    const first = desktop(NS.a, a.dir, 'serve');
    const ready = await first.next('ready');
    expect(ready).toMatchObject({ discovering: true });
    const second = desktop(NS.b, b.dir, 'wait-for', idA);
    expect(await second.next('ready')).toMatchObject({ discovering: true });
    const result = await second.next('found');
    expect(result.found).toBe(`${ADDR.a}:${String(ready.port)}`);
    expect(result.lastError).toBeNull();
    // The office arrived over the discovered address: A's accounts are on B.
    expect(result.users).toEqual(['admin', 'u.sales.rep']);
    first.child.stdin!.end();
  }, 90_000);
});
