/**
 * The status page's browser code, as a string: tsconfig has no DOM types, and the page must stay one
 * self-contained document. It polls status.json and draws with textContent/createElementNS only (never innerHTML),
 * so nothing the server sends can become markup.
 */
export const STATUS_POLL_MS = 5_000;

export const statusPageScript = (labels: Record<string, string>): string => `
'use strict';
const L = ${JSON.stringify(labels).replace(/</g, '\\u003c')};
const SVG = 'http://www.w3.org/2000/svg';
const fmt = new Intl.NumberFormat('en-US');
const usd = (n) => '$' + (n >= 1 ? n.toFixed(2) : n === 0 ? '0' : n.toPrecision(2));
const $ = (id) => document.getElementById(id);

function svgEl(name, attrs) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function drawBars(svg, days, value, label) {
  const W = 600, H = 120, TOP = 14, BOTTOM = 14, slot = W / days.length;
  const max = Math.max(0, ...days.map(value)) || 1; // an empty month still draws a baseline
  svg.replaceChildren();
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + (H + TOP + BOTTOM));
  svg.append(svgEl('line', { x1: 0, x2: W, y1: TOP + H, y2: TOP + H, class: 'axis' }));
  days.forEach((d, i) => {
    const h = Math.round((value(d) / max) * H);
    const bar = svgEl('rect', { class: 'bar', x: i * slot + 2, width: slot - 4, y: TOP + H - h, height: h,
      'data-day': d.day, 'data-value': value(d) });
    const title = svgEl('title', {});
    title.textContent = d.day + ': ' + label(value(d));
    bar.append(title);
    svg.append(bar);
  });
  const top = svgEl('text', { x: 0, y: 9, class: 'tick' });
  top.textContent = label(max);
  const first = svgEl('text', { x: 0, y: TOP + H + 11, class: 'tick' });
  first.textContent = days[0].day;
  const last = svgEl('text', { x: W, y: TOP + H + 11, class: 'tick', 'text-anchor': 'end' });
  last.textContent = days[days.length - 1].day;
  svg.append(top, first, last);
}

function drawGuilds(rows) {
  const body = $('guilds');
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 2;
    td.className = 'empty';
    td.textContent = L.noGuilds;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const g of rows) {
    const tr = document.createElement('tr');
    const id = document.createElement('td');
    id.textContent = g.guildId;
    const tokens = document.createElement('td');
    tokens.className = 'num';
    tokens.textContent = fmt.format(g.tokens);
    tr.append(id, tokens);
    body.append(tr);
  }
}

function render(s) {
  $('live').textContent = fmt.format(s.liveStreams);
  $('queued').textContent = fmt.format(s.limiter.queued);
  $('requests').textContent = fmt.format(s.limiter.requestsHeadroom);
  $('tokens').textContent = fmt.format(s.limiter.tokensHeadroom);
  drawBars($('tokens-chart'), s.days, (d) => d.tokens, (n) => fmt.format(n));
  drawBars($('cost-chart'), s.days, (d) => d.costUsd, usd);
  drawGuilds(s.busiestGuilds);
  $('updated').textContent = L.updated + ' ' + new Date(s.generatedAt).toLocaleTimeString();
  $('error').hidden = true;
}

async function refresh() {
  try {
    const response = await fetch('status.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(String(response.status));
    render(await response.json());
  } catch {
    $('error').hidden = false;
  }
}

refresh();
setInterval(refresh, ${STATUS_POLL_MS});
`;
