/** What the user sees of a turn before its answer: the thinking status, and a notice once it waits for capacity. */
import type { ChatHandlers } from '../llm/chatTypes.js';
import type { StreamRenderer } from '../render/streamRenderer.js';
import { modelStrings, notices } from '../strings.js';

/** How long a turn waits for model capacity before the thread says so. */
const CAPACITY_NOTICE_AFTER_MS = 3_000;

export class TurnProgress {
  /** When the first answer text arrived (epoch ms); undefined until then. */
  firstTokenAt: number | undefined;
  readonly handlers: ChatHandlers;
  private capacityNotice: NodeJS.Timeout | undefined;

  constructor(renderer: Pick<StreamRenderer, 'push' | 'setStatus'>, now: () => number) {
    this.handlers = {
      onDelta: (text) => {
        this.firstTokenAt ??= now();
        renderer.push(text);
      },
      onThinking: () => {
        if (this.firstTokenAt === undefined) renderer.setStatus(modelStrings.thinking);
      },
      // The typing indicator covers short waits; a visible status only once the wait is noticeable.
      onQueued: ({ position }) => {
        clearTimeout(this.capacityNotice);
        this.capacityNotice = setTimeout(() => {
          if (this.firstTokenAt === undefined) renderer.setStatus(notices.waitingForCapacity(position));
        }, CAPACITY_NOTICE_AFTER_MS);
      },
    };
  }

  /** The model call is over: no capacity notice may appear after it. */
  settle(): void {
    clearTimeout(this.capacityNotice);
  }
}
