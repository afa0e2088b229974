import type { TurnObserver } from '../conversation/turn.js';
import type { BotMetrics } from './metrics.js';

/** The conversation's turn events as metrics, plus the live-stream count the status page shows. */
export function turnMetrics(metrics: BotMetrics): TurnObserver & { liveStreams(): number } {
  let live = 0;
  return {
    liveStreams: () => live,
    turnStarted() {
      live++;
      metrics.streamStarted();
    },
    toolCalled: (outcome) => metrics.toolCall(outcome),
    turnEnded(turn) {
      live--;
      metrics.streamEnded();
      metrics.turnEnded(turn.outcome);
      metrics.modelTiming(turn.model, turn.firstTokenMs, turn.totalMs);
      if (turn.usage) metrics.tokens(turn.model, turn.usage, turn.costUsd ?? 0);
    },
  };
}
