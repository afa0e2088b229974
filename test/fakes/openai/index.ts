export {
  assertNoViolations,
  MODERATION_CATEGORIES,
  startFakeOpenAI,
  type AnswerFn,
  type FakeAnswer,
  type FakeContextWindow,
  type FakeFault,
  type FakeReasoning,
  type FakeFinishReason,
  type FakeOpenAI,
  type FakeOpenAIOptions,
  type FakeTiming,
  type RecordedRequest,
} from './fakeOpenAI.js';
export { DEFAULT_WINDOW_MS, formatResetDuration, TokenBucket, type FakeRateLimits } from './rateLimits.js';
export {
  OPENAI_SPEC_PATH,
  SPEC_EXCEPTIONS,
  SPEC_SCHEMAS,
  UNCHECKED_SHAPES,
  validateAgainstSpec,
  warmUpSpecValidator,
  type SpecSchemaName,
  type SpecViolation,
} from './specValidator.js';
export {
  resolveToolCalls,
  toolCallDeltas,
  toolMessageProblems,
  type FakeToolCall,
  type FakeToolCallAnswer,
  type ResolvedToolCall,
} from './toolCalls.js';
