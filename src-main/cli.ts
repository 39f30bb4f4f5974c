/**
 * Admin command line over the same core: `npm run cli -- <command>`.
 * `--help` lists the commands and the exit codes. Passwords come from
 * HARBOR_BACKUP_PASSWORD or a terminal prompt without echo, never from argv.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HarborError } from '../src-shared/errors';
import { en } from '../src-shared/i18n/en';
import { zhCN } from '../src-shared/i18n/zh-CN';
import { openCore, DB_FILE, type Core } from './core';
import {
  backupKdf,
  createBackup,
  failureOf,
  listBackups,
  verifyBackup,
  type BackupContents,
  type BackupFailure,
} from './core/backup/archive';
import { deriveBackupKey, newKdfParams } from './core/backup/kdf';
import { FileKeyStore } from './core/db/keystore';
import { defaultDataDir } from './core/paths';
import { readSettings } from './core/system/settings';
import { APP_VERSION, PRODUCT_NAME } from './version';

export const EXIT = { ok: 0, usage: 1, unusable: 2, missing: 3, database: 4, failed: 5, cancelled: 130 } as const;

/** The key file of browser mode; the desktop app keeps its key wrapped by the OS keychain in `harbor.key.enc`. */
const KEY_FILE = 'harbor.key';
const DESKTOP_KEY_FILE = 'harbor.key.enc';

const strings = /^zh/i.test(process.env.LC_ALL ?? process.env.LANG ?? '') ? zhCN : en;

function t(path: string, params: Record<string, string | number> = {}): string {
  let node: unknown = strings;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  const template = typeof node === 'string' ? node : path;
  return template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => String(params[name] ?? ''));
}

class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const EXIT_BY_FAILURE: Record<BackupFailure, number> = {
  target_missing: EXIT.missing,
  not_a_backup: EXIT.unusable,
  wrong_password: EXIT.unusable,
  tampered: EXIT.unusable,
  truncated: EXIT.unusable,
  corrupt: EXIT.unusable,
  too_new: EXIT.unusable,
  cancelled: EXIT.cancelled,
  no_password: EXIT.usage,
  other_password: EXIT.usage,
  no_target: EXIT.usage,
  busy: EXIT.failed,
  snapshot_busy: EXIT.failed,
};

function explain(error: unknown): CliExit {
  if (error instanceof CliExit) return error;
  if (error instanceof HarborError) {
    const failure = failureOf(error);
    const message = t(error.messageKey, error.params);
    if (failure) return new CliExit(EXIT_BY_FAILURE[failure], message);
    if (error.messageKey.startsWith('errors.db_')) return new CliExit(EXIT.database, message);
    return new CliExit(EXIT.failed, message);
  }
  return new CliExit(EXIT.failed, error instanceof Error ? error.message : String(error));
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const input = process.stdin;
    process.stderr.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let value = '';
    const done = (fn: () => void) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      fn();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(() => resolvePromise(value));
        if (ch === '\u0003') return done(() => reject(new CliExit(EXIT.cancelled, t('backup.cli.cancelled'))));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}

async function password(options: { confirm: boolean; optional?: boolean }): Promise<string | null> {
  const fromEnv = process.env.HARBOR_BACKUP_PASSWORD;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) {
    if (options.optional) return null;
    throw new CliExit(EXIT.usage, t('backup.cli.noPassword'));
  }
  const first = await promptHidden(t('backup.cli.passwordPrompt'));
  if (options.confirm && (await promptHidden(t('backup.cli.passwordRepeat'))) !== first) {
    throw new CliExit(EXIT.usage, t('backup.cli.passwordMismatch'));
  }
  return first;
}

function openOffice(dataDir: string): { core: Core; key: Buffer } {
  const keyFile = join(dataDir, KEY_FILE);
  if (!existsSync(keyFile) && existsSync(join(dataDir, DESKTOP_KEY_FILE))) throw new CliExit(EXIT.database, t('backup.cli.desktopDataDir'));
  if (!existsSync(join(dataDir, DB_FILE))) throw new CliExit(EXIT.database, t('backup.cli.noDatabase', { dir: dataDir }));
  const core = openCore({ dataDir, keyStore: new FileKeyStore(keyFile), appVersion: APP_VERSION });
  // The current key of the ring: opening may have just made a restored file's key current.
  return { core, key: new FileKeyStore(keyFile).load()! };
}

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

function describe(contents: BackupContents): Record<string, string | number> {
  return {
    office: contents.officeName,
    date: new Date(contents.createdAt).toLocaleString(),
    records: Object.entries(contents.counts)
      .filter(([table]) => !table.startsWith('local_'))
      .reduce((sum, [, n]) => sum + n, 0),
    schema: contents.schemaVersion,
  };
}

function progress(): (done: number, total: number, stage: string) => void {
  if (!process.stderr.isTTY) return () => {};
  return (done, total, stage) => process.stderr.write(`\r${stage} ${Math.floor((100 * done) / Math.max(1, total))}%   `);
}

async function main(argv: string[], signal: AbortSignal): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir(PRODUCT_NAME));
  const [command, target, ...extra] = positionals;
  if (values.help || !command) {
    console.log(t('backup.cli.usage', { dataDir: defaultDataDir(PRODUCT_NAME) }));
    if (!values.help) throw new CliExit(EXIT.usage, '');
    return;
  }
  const usage = () => new CliExit(EXIT.usage, t('backup.cli.usage', { dataDir: defaultDataDir(PRODUCT_NAME) }));
  if (extra.length > 0) throw usage();

  switch (command) {
    case 'backup': {
      if (!values.to || target) throw usage();
      const secret = await password({ confirm: true, optional: true });
      const { core, key } = openOffice(dataDir);
      try {
        const stored = core.backup.storedKey();
        let backupKey = stored;
        if (secret !== null) {
          const kdf = newKdfParams();
          backupKey = { kdf, key: await deriveBackupKey(secret, kdf) };
        }
        if (!backupKey) throw new CliExit(EXIT.usage, t('backup.cli.noPassword'));
        const made = await createBackup({
          srcFile: core.dbFile,
          srcKey: key,
          targetDir: resolve(values.to),
          backupKey,
          appVersion: APP_VERSION,
          deviceId: core.services.deviceId,
          officeName: readSettings(core.services.db).officeName,
          now: Date.now(),
          onProgress: progress(),
          signal,
        });
        console.log(t('backup.cli.backedUp', { path: made.path, size: size(made.bytes) }));
      } finally {
        core.close();
      }
      return;
    }
    case 'verify': {
      if (!target) throw usage();
      backupKdf(target); // "not a backup" before asking for a password
      const secret = (await password({ confirm: false }))!;
      const contents = await verifyBackup(target, await deriveBackupKey(secret, backupKdf(target)), progress(), signal);
      console.log(t('backup.cli.verified', describe(contents)));
      return;
    }
    case 'restore': {
      if (!target) throw usage();
      const path = resolve(target);
      backupKdf(path);
      const secret = (await password({ confirm: false }))!;
      const backupKey = await deriveBackupKey(secret, backupKdf(path));
      const { core } = openOffice(dataDir);
      try {
        const jobId = core.backup.startRestore(core.services.db, path, backupKey, { userId: null, username: null });
        const stop = () => core.backup.cancel(jobId);
        signal.addEventListener('abort', stop);
        const job = await core.backup.waitFor(jobId);
        signal.removeEventListener('abort', stop);
        if (job.state !== 'done') {
          throw new HarborError((job.error?.code ?? 'INTERNAL') as never, job.error?.messageKey, job.error?.params);
        }
        const safety = core.backup.safetyCopies()[0]?.path ?? '';
        console.log(t('backup.cli.restored', { ...describe(job.contents!), safety }));
      } finally {
        core.close();
      }
      return;
    }
    case 'list': {
      if (!target) throw usage();
      const dir = resolve(target);
      const backups = listBackups(dir);
      if (backups.length === 0) {
        console.log(t('backup.cli.listEmpty', { dir }));
        return;
      }
      console.log(t('backup.cli.listHeader', { dir }));
      for (const b of backups) console.log(`${new Date(b.createdAt).toISOString()}  ${size(b.bytes).padStart(10)}  ${b.name}`);
      return;
    }
    default:
      throw usage();
  }
}

const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
main(process.argv.slice(2), controller.signal).then(
  () => process.exit(EXIT.ok),
  (error: unknown) => {
    const exit = error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')
      ? new CliExit(EXIT.usage, `${error.message}\n\n${t('backup.cli.usage', { dataDir: defaultDataDir(PRODUCT_NAME) })}`)
      : explain(error);
    if (exit.message) console.error(exit.message);
    process.exit(exit.code);
  },
);
