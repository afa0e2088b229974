import { createHash } from 'node:crypto';
import { opsStrings as S } from '../strings.js';
import { statusPageScript } from './statusPageScript.js';

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #667085; --bar: #4f6bed;
  --cost: #12a37f; --line: #d0d5dd; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171c; --card: #1d2128; --ink: #e6e8ec; --muted: #98a2b3;
  --line: #344054; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--ink); }
main { max-width: 960px; margin: 0 auto; display: grid; gap: 16px; }
header { display: flex; justify-content: space-between; align-items: baseline; }
h1 { font-size: 20px; margin: 0; } h2 { font-size: 14px; margin: 0 0 8px; color: var(--muted); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; }
section, .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.card .value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .label, #updated { color: var(--muted); font-size: 12px; }
svg { width: 100%; height: auto; display: block; }
.bar { fill: var(--bar); } #cost-chart .bar { fill: var(--cost); } .bar:hover { opacity: .75; }
.axis { stroke: var(--line); } .tick { fill: var(--muted); font-size: 9px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 4px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; font-size: 12px; } .num { text-align: right; }
.empty { color: var(--muted); } #error { color: #d92d20; }
`;

const card = (id: string, label: string): string =>
  `<div class="card"><div class="value" id="${id}">–</div><div class="label">${label}</div></div>`;

const SCRIPT = statusPageScript({ noGuilds: S.noGuilds, updated: S.updated });

/** The one page, built once: labels are our own constants, live values arrive through status.json. */
export const statusPageHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${S.pageTitle}</title><style>${STYLE}</style></head>
<body><main>
<header><h1>${S.pageTitle}</h1><span id="updated"></span></header>
<p id="error" hidden>${S.loadFailed}</p>
<div class="cards">${card('live', S.liveStreams)}${card('queued', S.queued)}${card('requests', S.requestsHeadroom)}${card(
  'tokens',
  S.tokensHeadroom,
)}</div>
<section><h2>${S.tokensChart}</h2><svg id="tokens-chart" role="img" aria-label="${S.tokensChart}"></svg></section>
<section><h2>${S.costChart}</h2><svg id="cost-chart" role="img" aria-label="${S.costChart}"></svg></section>
<section><h2>${S.busiest}</h2><table><thead><tr><th>${S.guildColumn}</th><th class="num">${S.tokensColumn}</th></tr>
</thead><tbody id="guilds"></tbody></table></section>
</main><script>${SCRIPT}</script></body></html>`;

const scriptHash = createHash('sha256').update(SCRIPT).digest('base64');

/** Only our inline style and this exact script run; the page may fetch from its own origin and nothing else. */
export const statusPageCsp = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  `script-src 'sha256-${scriptHash}'`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
