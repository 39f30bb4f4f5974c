/** Following a backup, verification or restore job: progress events plus a poll for the outcome. */
import { useEffect, useRef, useState } from 'react';
import type { BackupJob } from '../../../../src-shared/contract';
import type { ApiError } from '../../../../src-shared/errors';
import type { TFunction } from 'i18next';
import { call, isApiCallError, subscribe } from '../../api/client';
import { formatNumber } from '../../format';
import { errorMessage } from '../../i18n';

export interface JobProgress {
  jobId: string;
  kind: BackupJob['kind'];
  done: number;
  total: number;
  stage: string;
}

export type JobOutcome =
  | { state: 'done'; job: BackupJob | null }
  | { state: 'failed'; error: ApiError }
  | { state: 'cancelled' };

/**
 * Tracks one job at a time. `onEnd` gets the outcome; for a restore the
 * outcome may be known only from the event, because the restored database
 * signs everyone out (the job query then answers UNAUTHENTICATED).
 */
export function useBackupJob(onEnd: (kind: BackupJob['kind'], outcome: JobOutcome) => void) {
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const endRef = useRef(onEnd);
  useEffect(() => {
    endRef.current = onEnd;
  });
  const jobId = progress?.jobId ?? null;
  const kind = progress?.kind ?? null;

  useEffect(() => {
    if (!jobId || !kind) return;
    let finished = false;
    const finish = (outcome: JobOutcome) => {
      if (finished) return;
      finished = true;
      setProgress(null);
      endRef.current(kind, outcome);
    };
    const poll = async () => {
      try {
        const job = await call('backup.job', { jobId });
        if (job.state === 'running') return;
        if (job.state === 'done') finish({ state: 'done', job });
        else if (job.state === 'cancelled') finish({ state: 'cancelled' });
        else finish({ state: 'failed', error: { code: (job.error?.code ?? 'INTERNAL') as ApiError['code'], messageKey: job.error?.messageKey ?? 'errors.INTERNAL', params: job.error?.params } });
      } catch (error) {
        if (kind === 'restore' && isApiCallError(error, 'UNAUTHENTICATED')) finish({ state: 'done', job: null });
      }
    };
    const off = subscribe('job.progress', (p) => {
      if (p.jobId !== jobId) return;
      const stage = p.stage.split('.').pop()!;
      if (stage === 'done' || stage === 'failed' || stage === 'cancelled') {
        if (kind === 'restore' && stage === 'done') finish({ state: 'done', job: null });
        else void poll();
        return;
      }
      setProgress((current) => (current && current.jobId === jobId ? { ...current, done: p.done, total: p.total, stage } : current));
    });
    const timer = setInterval(() => void poll(), 1000);
    void poll();
    return () => {
      off();
      clearInterval(timer);
    };
  }, [jobId, kind]);

  return {
    progress,
    start(id: string, jobKind: BackupJob['kind']) {
      setProgress({ jobId: id, kind: jobKind, done: 0, total: 1, stage: 'start' });
    },
    cancel() {
      if (jobId) void call('backup.cancel', { jobId }).catch(() => undefined);
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(value, { maximumFractionDigits: unit === 0 ? 0 : 1 })} ${units[unit]}`;
}

/** The sentence for a failed call. */
export function failureText(t: TFunction, error: unknown): string {
  return isApiCallError(error) ? errorMessage(t, error.error) : t('errors.INTERNAL');
}
