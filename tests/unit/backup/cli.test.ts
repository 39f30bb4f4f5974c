import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyKey } from '../../../src-main/core/db/connection';
import { makeTestCore, setUpOffice, tempDir } from '../../helpers/core';

const ROOT = join(import.meta.dirname, '../../..');
const PASSWORD = 'cli backup password';

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: '', HARBOR_BACKUP_PASSWORD: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
let dataDir: string;
let usb: string;

beforeAll(async () => {
  dir = tempDir('harbor-cli-');
  dataDir = join(dir, 'data');
  usb = join(dir, 'usb');
  mkdirSync(usb);
  const core = makeTestCore({ dir: dataDir });
  await setUpOffice(core);
  core.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function users(): string[] {
  const db = new Database(join(dataDir, 'harbor.db'), { readonly: true });
  applyKey(db, Buffer.from(readFileSync(join(dataDir, 'harbor.key'), 'utf8').trim(), 'hex'));
  const rows = (db.prepare('SELECT username FROM users ORDER BY username').all() as { username: string }[]).map((r) => r.username);
  db.close();
  return rows;
}

describe('admin command line (spawned)', () => {
  it('--help documents commands and exit codes; unknown commands exit 1', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('backup --to DIR');
    expect(help.stdout).toContain('Exit codes');
    expect((await cli(['frobnicate'])).code).toBe(1);
    expect((await cli(['backup'])).code).toBe(1);
  });

  it('backup, list, verify and restore with exit code 0; the password never on argv', async () => {
    const backup = await cli(['backup', '--to', usb, '--data-dir', dataDir], { HARBOR_BACKUP_PASSWORD: PASSWORD });
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const [name] = readdirSync(usb);
    expect(name).toMatch(/\.harborbackup$/);
    const path = join(usb, name!);

    const list = await cli(['list', usb]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(name);

    const verify = await cli(['verify', path], { HARBOR_BACKUP_PASSWORD: PASSWORD });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('海港贸易有限公司');

    // Change the office, then restore: the change is gone and a safety copy holds it.
    const db = new Database(join(dataDir, 'harbor.db'));
    applyKey(db, Buffer.from(readFileSync(join(dataDir, 'harbor.key'), 'utf8').trim(), 'hex'));
    db.prepare(`UPDATE users SET username = 'renamed'`).run();
    db.close();
    expect(users()).toEqual(['renamed']);
    const restore = await cli(['restore', path, '--data-dir', dataDir], { HARBOR_BACKUP_PASSWORD: PASSWORD });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(users()).toEqual(['admin']);
    expect(readdirSync(join(dataDir, 'safety-copies'))).toHaveLength(1);
  });

  it('exit 2 for a wrong password or an altered backup, 3 for a missing folder, 1 without a password', async () => {
    const made = await cli(['backup', '--to', usb, '--data-dir', dataDir], { HARBOR_BACKUP_PASSWORD: PASSWORD });
    expect(made.code).toBe(0);
    const path = made.stdout.match(/: (.*\.harborbackup)/)![1]!;
    const wrong = await cli(['verify', path], { HARBOR_BACKUP_PASSWORD: 'not it' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('password is wrong');
    const before = users();
    expect((await cli(['restore', path, '--data-dir', dataDir], { HARBOR_BACKUP_PASSWORD: 'not it' })).code).toBe(2);
    expect(users()).toEqual(before);

    const file = join(path, 'backup.db');
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(7000) ^ 0x55, 7000);
    writeFileSync(file, bytes);
    expect((await cli(['verify', path], { HARBOR_BACKUP_PASSWORD: PASSWORD })).code).toBe(2);

    expect((await cli(['list', join(dir, 'unplugged')])).code).toBe(3);
    expect((await cli(['backup', '--to', join(dir, 'unplugged'), '--data-dir', dataDir], { HARBOR_BACKUP_PASSWORD: PASSWORD })).code).toBe(3);
    // No environment variable and no terminal: no password to use.
    expect((await cli(['verify', path])).code).toBe(1);
  });

  it('exit 4 for a folder without an office or one of the desktop app', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect((await cli(['backup', '--to', usb, '--data-dir', empty], { HARBOR_BACKUP_PASSWORD: PASSWORD })).code).toBe(4);
    const desktop = join(dir, 'desktop');
    const core = makeTestCore({ dir: desktop });
    await setUpOffice(core);
    core.close();
    renameSync(join(desktop, 'harbor.key'), join(desktop, 'harbor.key.enc'));
    const result = await cli(['backup', '--to', usb, '--data-dir', desktop], { HARBOR_BACKUP_PASSWORD: PASSWORD });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('desktop app');
  });
});
