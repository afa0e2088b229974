/** Result rows, the one table the run prints, and bench/results.json. */
import { writeFileSync } from 'node:fs';
import type { MachineInfo } from './util.js';

export type Unit = 'ms' | 's' | 'MB' | '%' | 'count' | 'ratio' | 'per s' | 'index';

export interface Row {
  id: string;
  case: string;
  metric: string;
  unit: Unit;
  /** null when the measurement could not be taken (see note). */
  value: number | null;
  /** The baseline measured in the same run, when the benchmark has one. */
  baseline?: number | null;
  /** '≥' when a number is a lower bound (e.g. a baseline cut off by its time limit). */
  valueBound?: '≥' | '≤';
  baselineBound?: '≥' | '≤';
  /** Human-readable target; absent = report only. */
  target?: string;
  /** Whether the target was met; null/absent = report only. */
  met?: boolean | null;
  note?: string;
}

export interface FinishedRow extends Row {
  /** value ÷ baseline. */
  ratio: number | null;
}

export function finishRow(row: Row): FinishedRow {
  const ratio =
    row.value !== null &&
    row.baseline !== undefined &&
    row.baseline !== null &&
    row.baseline !== 0 &&
    Number.isFinite(row.value)
      ? row.value / row.baseline
      : null;
  return { ...row, ratio };
}

function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatNumber(value: number | null | undefined, unit: Unit, bound?: string): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const prefix = bound ?? '';
  const abs = Math.abs(value);
  switch (unit) {
    case 'count':
      return `${prefix}${fixed(value, Number.isInteger(value) ? 0 : 1)}`;
    case '%':
      return `${prefix}${fixed(value, 1)} %`;
    case 'index':
      return `${prefix}${fixed(value, 3)}`;
    case 'ratio':
      return `${prefix}${fixed(value, abs >= 100 ? 0 : 2)}×`;
    case 'MB':
      return `${prefix}${fixed(value, 1)} MB`;
    case 's':
      return `${prefix}${fixed(value, 2)} s`;
    case 'per s':
      return `${prefix}${fixed(value, abs >= 100 ? 0 : 1)}/s`;
    case 'ms':
      return `${prefix}${fixed(value, abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3)} ms`;
  }
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  if (ratio === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(ratio))));
  return `${ratio.toFixed(Math.min(4, digits))}`;
}

const HEADER = ['id', 'case', 'metric', 'value', 'baseline', 'ratio', 'target', 'met'] as const;

function cells(row: FinishedRow): string[] {
  return [
    row.id,
    row.case,
    row.metric,
    formatNumber(row.value, row.unit, row.valueBound),
    row.baseline === undefined ? '—' : formatNumber(row.baseline, row.unit, row.baselineBound),
    formatRatio(row.ratio),
    row.target ?? 'report',
    row.met === undefined || row.met === null ? '—' : row.met ? 'yes' : 'no',
  ];
}

/** One Markdown table (aligned, so it reads well in a terminal too). */
export function renderTable(rows: readonly FinishedRow[]): string {
  const body = rows.map(cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) => `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(HEADER), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export function renderNotes(rows: readonly FinishedRow[]): string {
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.id} ${r.case} / ${r.metric}: ${r.note}`);
  return notes.length === 0 ? '' : `Notes (ratio = value ÷ baseline):\n${notes.join('\n')}`;
}

export interface ResultsFile {
  mode: 'quick' | 'full';
  startedAt: string;
  durationS: number;
  machine: MachineInfo;
  /** Settings each benchmark ran with, by id. */
  settings: Record<string, unknown>;
  /** Benchmarks that crashed, with the error. */
  errors: Record<string, string>;
  rows: FinishedRow[];
}

export function writeResults(path: string, results: ResultsFile): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
