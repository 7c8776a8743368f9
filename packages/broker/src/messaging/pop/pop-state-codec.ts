// config/popState.json: every group's POP cursor and unacknowledged entries per queue, so an
// unacknowledged message reappears after a restart once its invisible time is over. Written
// whole and atomically; a crash loses at most the changes since the last write, which makes
// messages come again (popped after it) and never go missing.
import { PopQueueState, type PopEntry } from './pop-queue-state.js';

/** [offset, attempts, invisibleUntil, seq, autoRenew (0/1), owner, messageGroup, baseAttempts] */
type EntryJson = [number, number, number, number, number, string, string, number];

export interface PopStateJson {
  version: 1;
  nextSeq: number;
  /** Keyed "group@topic@queueId". */
  queues: Record<string, { cursor: number; entries: EntryJson[] }>;
}

export function popStateKey(group: string, topic: string, queueId: number): string {
  return `${group}@${topic}@${queueId}`;
}

export function encodePopState(states: ReadonlyMap<string, PopQueueState>, nextSeq: number): PopStateJson {
  const queues: PopStateJson['queues'] = {};
  for (const [key, s] of states) {
    queues[key] = {
      cursor: s.cursor,
      entries: s.sorted().map((e) => [e.offset, e.attempts, e.invisibleUntil, e.seq, e.autoRenew ? 1 : 0, e.owner, e.messageGroup, e.baseAttempts]),
    };
  }
  return { version: 1, nextSeq, queues };
}

/** The states in a saved file; anything malformed is skipped. */
export function decodePopState(json: unknown): { states: Map<string, PopQueueState>; nextSeq: number } {
  const states = new Map<string, PopQueueState>();
  let nextSeq = 1;
  if (typeof json !== 'object' || json === null) return { states, nextSeq };
  const j = json as Partial<PopStateJson>;
  if (typeof j.nextSeq === 'number' && Number.isSafeInteger(j.nextSeq)) nextSeq = j.nextSeq;
  for (const [key, q] of Object.entries(j.queues ?? {})) {
    const queueId = Number(key.slice(key.lastIndexOf('@') + 1));
    if (!Number.isSafeInteger(queueId) || typeof q.cursor !== 'number' || !Array.isArray(q.entries)) continue;
    const s = new PopQueueState(queueId, q.cursor);
    for (const raw of q.entries) {
      if (!Array.isArray(raw) || raw.length < 8) continue;
      const [offset, attempts, invisibleUntil, seq, autoRenew, owner, messageGroup, baseAttempts] = raw;
      if (typeof offset !== 'number' || typeof seq !== 'number') continue;
      const e: PopEntry = {
        offset,
        attempts: Number(attempts) || 0,
        invisibleUntil: Number(invisibleUntil) || 0,
        seq,
        autoRenew: autoRenew === 1,
        owner: String(owner),
        messageGroup: String(messageGroup),
        baseAttempts: Number(baseAttempts) || 0,
      };
      s.entries.set(offset, e);
      if (seq >= nextSeq) nextSeq = seq + 1;
    }
    states.set(key, s);
  }
  return { states, nextSeq };
}
