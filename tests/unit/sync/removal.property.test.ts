/**
 * Property: three desktops write, one of them (C) is removed by A at some
 * point, and changes travel in any order between any two of them, relays
 * included (B may pass C's entries on before it hears of the removal). Once
 * everyone has exchanged with everyone, A and B hold identical office data,
 * every entry C wrote before its removal and none it wrote after; C holds
 * the same unless it wrote again knowing it was removed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syncRemovedDevices, users } from '../../../src-main/core/db/schema';
import { withdrawAfterRemoval } from '../../../src-main/core/sync/merge';
import { removalStamps } from '../../../src-main/core/sync/peers';
import { makeTestCore, type TestCore } from '../../helpers/core';
import { canonicalDump, pull, writeOn } from './helpers';

type Command =
  | { kind: 'write'; replica: number; field: 'displayName' | 'theme' | 'language'; value: number; newUser: boolean }
  | { kind: 'remove' }
  | { kind: 'sync'; to: number; from: number }
  | { kind: 'wait' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), replica: fc.nat(2), field: fc.constantFrom('displayName' as const, 'theme' as const, 'language' as const), value: fc.nat(9), newUser: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'remove' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('sync' as const), to: fc.nat(2), from: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'wait' as const }) },
);

const THEMES = ['light', 'dark', 'auto'] as const;
const LANGUAGES = ['en', 'zh-CN'] as const;

function entriesOf(x: TestCore, device: string): string[] {
  return (x.services.db.prepare('SELECT hlc FROM change_log WHERE device_id = ? ORDER BY hlc').all(device) as { hlc: string }[]).map((r) => r.hlc);
}

describe('removal, whatever the delivery', () => {
  it('the office converges; nothing C wrote after its removal reaches it, everything before does', async () => {
    let counter = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 30 }), async (commands) => {
        const cores = [makeTestCore(), makeTestCore(), makeTestCore()];
        try {
          const [a, b, c] = cores as [TestCore, TestCore, TestCore];
          // One shared row everyone edits, known everywhere from the start.
          const shared = writeOn(a, (w) => w.insert(users, { username: 'shared', displayName: 'shared', role: 'read_only', passwordHash: 'x' })).id;
          for (const x of cores.slice(1)) await pull(x, a);
          const idC = c.services.deviceId;
          let removed = false;
          for (const cmd of commands) {
            if (cmd.kind === 'write') {
              const x = cores[cmd.replica]!;
              writeOn(x, (w) => {
                if (cmd.newUser) {
                  w.insert(users, { username: `u${++counter}`, displayName: `n${cmd.value}`, role: 'read_only', passwordHash: 'x' });
                } else if (cmd.field === 'theme') {
                  w.update(users, shared, { theme: THEMES[cmd.value % 3] });
                } else if (cmd.field === 'language') {
                  w.update(users, shared, { language: LANGUAGES[cmd.value % 2] });
                } else {
                  w.update(users, shared, { displayName: `v${cmd.value}-${cmd.replica}` });
                }
              });
            } else if (cmd.kind === 'remove' && !removed) {
              removed = true;
              // As `sync.unpair` does on A.
              writeOn(a, (w) => {
                w.insertRaw(syncRemovedDevices, { id: idC, name: 'C', fingerprint: 'f'.repeat(64) });
                withdrawAfterRemoval(a.services, idC, removalStamps(a.services.db).get(idC)!);
              });
            } else if (cmd.kind === 'sync' && cmd.to !== cmd.from) {
              await pull(cores[cmd.to]!, cores[cmd.from]!);
            } else if (cmd.kind === 'wait') {
              await new Promise((resolve) => setTimeout(resolve, 2));
            }
          }
          // Everyone exchanges with everyone, twice over.
          for (let round = 0; round < 2; round++) {
            for (const to of cores) for (const from of cores) if (to !== from) await pull(to, from);
          }
          const dump = canonicalDump(a);
          expect(canonicalDump(b)).toEqual(dump);
          const stamp = removalStamps(a.services.db).get(idC);
          expect(stamp !== undefined).toBe(removed);
          const byC = entriesOf(c, idC);
          const beforeRemoval = byC.filter((h) => !stamp || h < stamp);
          for (const x of [a, b]) expect(entriesOf(x, idC)).toEqual(beforeRemoval);
          // C itself: what it wrote after its removal but before it knew is withdrawn there too. What it wrote
          // knowing it was removed stays on C alone (its user's own copy) until it joins again (rejoin.ts).
          if (byC.length === beforeRemoval.length) expect(canonicalDump(c)).toEqual(dump);
        } finally {
          for (const x of cores) x.dispose();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
