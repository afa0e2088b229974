/** The pieces of an answer's layout: how it ended, and one Discord message of it (a slot) with its delivery state. */
import { EMPTY_ANSWER_NOTICE, LENGTH_NOTICE, formatNotice } from './renderNotices.js';
import type { Carry } from './splitMessage.js';

/** How an answer ended (see StreamRenderer.finish). */
export type RenderEnd =
  | { kind: 'complete' }
  | { kind: 'length' } // finish_reason=length
  | { kind: 'interrupted'; notice: string } // stream died mid-way; notice is plain-language
  | { kind: 'error'; notice: string }; // failure (possibly before any text)

/** One Discord message of the answer: what it should show, and what has been written to it. */
export interface Slot {
  /** Answer offset where this message's part begins. */
  start: number;
  /** What is open at `start` (code block, emphasis, quote), reopened at the top of this message. */
  carried: Carry;
  /** Content while growing (with cursor), or undefined when there is nothing visible yet. */
  view: string | undefined;
  /** Final content, once this message's part of the answer is decided; then it is never edited again. */
  final: string | undefined;
  /** The answer text this message carries (set when final), without repairs or notices. */
  body: string;
  /** Delivery state, owned by the renderer. */
  id: string | undefined;
  /** Content of the last write that landed. */
  sent: string | undefined;
  /** When the last write to this message was acknowledged (or failed) (ms). */
  lastWriteAt: number;
  /** Answer offset the view shows up to, and where the final content ends. */
  viewEnd: number;
  finalEnd: number;
  /** Answer offset the content of the last landed write shows up to. */
  sentEnd: number;
  /** A note shown before this message's part (a continuation after an uneditable message). */
  prefix: string;
  /** The message could no longer be edited: its part ends at sentEnd and the answer continues in the next one. */
  dead: boolean;
  /** Consecutive transient failures of writes to this message, and when it may be written again (ms). */
  failures: number;
  retryAt: number;
}

export function newSlot(start: number, carried: Carry, final?: string, prefix = ''): Slot {
  return {
    start,
    carried,
    view: undefined,
    final: final === undefined ? undefined : prefix + final,
    body: '',
    id: undefined,
    sent: undefined,
    lastWriteAt: -Infinity,
    viewEnd: start,
    finalEnd: start,
    sentEnd: start,
    prefix,
    dead: false,
    failures: 0,
    retryAt: -Infinity,
  };
}

/** The notice an answer ends with, if any. */
export function noticeFor(end: RenderEnd, answered: boolean): string | undefined {
  switch (end.kind) {
    case 'complete':
      return answered ? undefined : EMPTY_ANSWER_NOTICE;
    case 'length':
      return answered ? LENGTH_NOTICE : `${EMPTY_ANSWER_NOTICE}\n${LENGTH_NOTICE}`;
    case 'interrupted':
    case 'error':
      return formatNotice(end.notice);
  }
}
