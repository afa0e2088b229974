import fc from 'fast-check';

/** Random model answers: prose, CJK, emoji, long unbroken runs, blank lines and fenced code with languages. */

const word = fc.stringMatching(/^[A-Za-z]{1,12}$/);
const sentence = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 25 }), fc.constantFrom('.', '!', '?', ',', ':', ''))
  .map(([words, end]) => `${words.join(' ')}${end} `);
const cjk = fc.string({
  unit: fc.constantFrom(...'漢字仮名交じり文中文句子日本語의한국어', '。', '，', '、', '！', '？'),
  minLength: 1,
  maxLength: 600,
});
const graphemes = ['😀', '👨‍👩‍👧‍👦', '🇯🇵', '👍🏽', 'e\u0301', 'ñ', '𝔘'];
const emoji = fc.constantFrom(...graphemes.map((g) => `${g} `));
/** A single unbroken run (no spaces), possibly longer than a whole message. */
const unbroken = fc
  .array(fc.constantFrom('a', 'b', 'z', ...graphemes), { minLength: 50, maxLength: 2600, size: 'large' })
  .map((parts) => parts.join(''));
const breaks = fc.constantFrom('\n', '\n\n', '\n\n\n', ' ', '  ', '\n- ', '\n1. ', '\n## ');
const lang = fc.constantFrom('', 'ts', 'python', 'c++', 'objective-c', 'sh');
const codeLine = fc.oneof(
  fc.stringMatching(/^ {0,8}[a-z(){};=+.,"' ]{0,90}$/),
  fc.constant(''),
  fc.stringMatching(/^[a-z]{100,300}$/),
);
const codeBlock = fc
  .record({
    fence: fc.constantFrom('```', '```', '~~~', '````'),
    lang,
    lines: fc.array(codeLine, { maxLength: 90, size: 'medium' }),
  })
  .map(
    ({ fence, lang: tag, lines }) => `\n${fence}${tag}\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${fence}\n`,
  );
/** A code block cut off mid-way (an interrupted stream). */
const unclosedCode = fc
  .record({ lang, lines: fc.array(codeLine, { minLength: 1, maxLength: 40 }) })
  .map(({ lang: tag, lines }) => `\n\`\`\`${tag}\n${lines.join('\n')}`);

const piece = fc.oneof(
  { arbitrary: sentence, weight: 6 },
  { arbitrary: breaks, weight: 3 },
  { arbitrary: codeBlock, weight: 2 },
  { arbitrary: cjk, weight: 1 },
  { arbitrary: emoji, weight: 1 },
  { arbitrary: unbroken, weight: 1 },
);

export const answerArb = fc
  .tuple(fc.array(piece, { maxLength: 60, size: 'medium' }), fc.option(unclosedCode, { freq: 5 }))
  .map(([pieces, tail]) => pieces.join('') + (tail ?? ''));

/** Cut points for feeding an answer in random-sized deltas (sizes 1..60, so multi-unit characters get split too). */
export const deltaSizesArb = fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 40 });

export function toDeltas(answer: string, sizes: readonly number[]): string[] {
  const deltas: string[] = [];
  let at = 0;
  for (let i = 0; at < answer.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    deltas.push(answer.slice(at, at + size));
    at += size;
  }
  return deltas;
}
